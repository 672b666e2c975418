// `trainsim run --report DIR` end to end on a small DeepSeek-V3 slice (small_moe_scenario.h) with synthetic
// routing: the page, its Markdown twin and every picture it names written, the same sections in both, the same
// step time as the terminal summary, the same bytes twice; and a sweep's index.html.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"
#include "small_moe_scenario.h"

namespace trainsim::testing {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The headings run_page.h promises, in order.
const std::vector<std::string> kHeadings = {"Summary",        "Step time",         "Compute by op kind",
                                            "Memory per GPU", "Pipeline timeline", "Routing imbalance",
                                            "Cost per phase", "Failures",          "Assumptions"};

TEST(RunReportCli, WritesThePageItsMarkdownAndEveryPicture) {
  const std::filesystem::path dir = fresh_dir("run_report_cli");
  std::ofstream(dir / "s.yaml") << small_moe_scenario("routing: {kind: synthetic, zipf_exponent: 0.5}\n");
  const ProcessResult r = run_trainsim({"run", "s.yaml", "--report", "page"}, dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = file_text(dir / "page" / "index.html"), md = file_text(dir / "page" / "report.md");
  std::size_t html_at = 0, md_at = 0;
  for (const std::string& heading : kHeadings) {  // every section, in order, in both
    html_at = html.find("<h2>" + heading + "</h2>", html_at);
    md_at = md.find("\n## " + heading + "\n", md_at);
    EXPECT_NE(html_at, std::string::npos) << heading;
    EXPECT_NE(md_at, std::string::npos) << heading;
  }
  // Every picture report.md names is beside it, and inline in the page.
  const std::regex image(R"(!\[[^\]]*\]\(([a-z-]+\.svg)\))");
  std::vector<std::string> files;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), image); it != std::sregex_iterator(); ++it) files.push_back((*it)[1]);
  EXPECT_EQ(files, (std::vector<std::string>{"step-time.svg", "compute-by-kind.svg", "memory.svg", "pipeline-timeline.svg",
                                             "routing-load.svg"}));
  for (const std::string& file : files) {
    EXPECT_TRUE(std::filesystem::is_regular_file(dir / "page" / file)) << file;
    EXPECT_NE(html.find("<figure id=\"" + file + "\""), std::string::npos) << file;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(md.find("Written by `trainsim run s.yaml --report page`"), std::string::npos);
  EXPECT_NE(md.find("Routed: synthetic"), std::string::npos) << md;
  // The page's step time is the terminal summary's ("  step time   1.234 s  100%").
  std::smatch step;
  ASSERT_TRUE(std::regex_search(r.out, step, std::regex(R"(\n  step time +([0-9.]+ m?s) )"))) << r.out;
  EXPECT_NE(md.find("| **step time** | **" + step[1].str() + "** | **100%** |"), std::string::npos) << step[1];
  // Deterministic: the same command again writes the same bytes.
  ASSERT_EQ(run_trainsim({"run", "s.yaml", "--report", "page"}, dir.string()).exit_code, 0);
  EXPECT_EQ(file_text(dir / "page" / "index.html"), html);
  EXPECT_EQ(file_text(dir / "page" / "report.md"), md);
}

TEST(RunReportCli, AFolderThatCannotBeMadeFailsBeforeTheRun) {
  const std::filesystem::path dir = fresh_dir("run_report_cli_bad");
  std::ofstream(dir / "a-file") << "x";
  const ProcessResult r = run_trainsim({"run", "--fidelity", "analytic", "--report", (dir / "a-file" / "page").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("(--report)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // nothing printed: the failure came before the summary
}

TEST(RunReportCli, ASweepFolderGetsAPageOfTheSameKind) {
  const std::filesystem::path dir = fresh_dir("run_report_cli_sweep");
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  const ProcessResult r = run_trainsim({"sweep", "s.yaml", "--set", "training.global_batch=64,128", "--fidelity", "analytic",
                                        "--out", "out"},
                                       dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = file_text(dir / "out" / "index.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* heading : {"<h2>Points</h2>", "<h2>Best point per objective</h2>", "<h2>Pareto front of cost and days</h2>",
                              "<h2>Pictures</h2>", "<figure id=\"step-breakdown.svg\""})
    EXPECT_NE(html.find(heading), std::string::npos) << heading;
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace trainsim::testing
