// main's one line per error: bad input exits 2, a failed internal check is reported as a bug (also when
// its message comes back as text from the simulation child), anything else exits 1; never two lines.
#include "cli/error_report.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/error.h"

namespace trainsim::cli {
namespace {

TEST(ErrorReport, BadInputExitsTwo) {
  const ErrorReport r = report_error(ConfigError({"s.yaml", 3, 5, "training.tokens"}, "'1e300T' is too large a number"));
  EXPECT_EQ(r.line, "trainsim: error: s.yaml:3:5: training.tokens: '1e300T' is too large a number\n");
  EXPECT_EQ(r.exit_code, 2);
}

TEST(ErrorReport, AFailedInternalCheckIsOneBugReportLine) {
  try {
    TS_CHECK(1 + 1 == 3, "{} of {} activities never became ready (a cycle?)", 5, 9);
    FAIL();
  } catch (const Error& e) {
    const ErrorReport r = report_error(e);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.line.rfind("trainsim: internal error (a bug; please report it with the scenario): internal check "
                           "failed at ", 0), 0u) << r.line;
    EXPECT_NE(r.line.find(": 1 + 1 == 3: 5 of 9 activities never became ready (a cycle?)\n"), std::string::npos) << r.line;
  }
}

TEST(ErrorReport, AnInternalCheckFromTheSimulationChildIsOneToo) {
  // core/child_process.h hands the child's error back as a std::runtime_error with its message.
  const ErrorReport r = report_error(std::runtime_error("internal check failed at engine.cc:9: x\nbacktrace\n"));
  EXPECT_EQ(r.line, "trainsim: internal error (a bug; please report it with the scenario): internal check failed at "
                    "engine.cc:9: x\\nbacktrace\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(ErrorReport, OtherErrorsExitOne) {
  const ErrorReport r = report_error(std::runtime_error("cannot write out.json: disk full"));
  EXPECT_EQ(r.line, "trainsim: error: cannot write out.json: disk full\n");
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace trainsim::cli
