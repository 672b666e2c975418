// `trainsim run --allow-oom`: a layout that does not fit in GPU memory is priced all the same, with the excess
// in the summary, the notes and the JSON (memory.over_capacity_bytes); without the flag it stays the located
// error it was (exit 2, one line).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

using nlohmann::json;

const std::string kScenarioPath = kSource + "/" + kDefaultScenario;
// The default DeepSeek-V3 layout on H800s cut to 16 GiB of HBM: it needs several times that.
const std::string kSmallGpu = "cluster.gpu={type: h800, hbm_capacity: 16 GiB}";

TEST(AllowOomCli, WithoutTheFlagALayoutThatDoesNotFitIsALocatedError) {
  const ProcessResult r = run_trainsim({"run", kScenarioPath, "--set", kSmallGpu, "--fidelity", "analytic"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("trainsim: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("parallelism: needs "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" per GPU of 16 GiB"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(AllowOomCli, WithTheFlagItIsPricedWithTheExcessShown) {
  const ProcessResult text = run_trainsim({"run", kScenarioPath, "--set", kSmallGpu, "--fidelity", "analytic", "--allow-oom"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("DOES NOT FIT: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("memory: needs "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(" of 16 GiB: "), std::string::npos) << text.out;

  const ProcessResult r =
      run_trainsim({"run", kScenarioPath, "--set", kSmallGpu, "--fidelity", "analytic", "--allow-oom", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  const double peak = j["memory"]["peak_bytes_per_gpu"], capacity = j["memory"]["capacity_bytes"];
  EXPECT_EQ(capacity, 16.0 * 1073741824.0);
  EXPECT_GT(peak, capacity);
  EXPECT_DOUBLE_EQ(j["memory"]["over_capacity_bytes"].get<double>(), peak - capacity);
  EXPECT_GT(j["step"]["time_s"].get<double>(), 0.0);
}

TEST(AllowOomCli, ARunThatFitsHasNoExcess) {
  const ProcessResult r = run_trainsim({"run", kScenarioPath, "--fidelity", "analytic", "--allow-oom", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(json::parse(r.out)["memory"].contains("over_capacity_bytes"));
}

}  // namespace
}  // namespace trainsim::testing
