// The SVG timeline is well-formed XML with one row per rank and every op drawn once at its executed times.
#include "reports/schedule_svg.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <regex>

#include "sim/schedules/schedule_request.h"
#include "xml_check.h"

namespace trainsim::reports {
namespace {

TEST(ScheduleSvg, IsWellFormedWithEveryOpOnceAtItsTimes) {
  for (auto kind : sim::kAllScheduleKinds) {
    const sim::PipelineSchedule schedule = sim::make_schedule({kind, 8, 24, 2});
    const sim::ScheduleRun run = sim::run_schedule(schedule, {sim::ChunkTimes{1.0, 2.0, 1.0, 2.5}});
    const std::string svg = schedule_svg(schedule, run);
    ASSERT_EQ(xml_problem(svg), "") << sim::schedule_name(kind);
    EXPECT_TRUE(svg.starts_with("<?xml")) << svg.substr(0, 40);

    const std::regex row(R"re(<g class="rank" data-rank="(\d+)")re");
    EXPECT_EQ(std::distance(std::sregex_iterator(svg.begin(), svg.end(), row), std::sregex_iterator()),
              schedule.ranks());

    const std::regex op(
        R"re(<g class="op" data-rank="(\d+)" data-index="(\d+)" data-op="([^"]+)" )re"
        R"re(data-start="([^"]+)" data-end="([^"]+)">)re");
    std::map<std::pair<int, int>, int> drawn;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), op); it != std::sregex_iterator(); ++it) {
      const int r = std::stoi((*it)[1]);
      const int i = std::stoi((*it)[2]);
      ++drawn[{r, i}];
      ASSERT_LT(r, schedule.ranks());
      ASSERT_LT(i, static_cast<int>(schedule.ops(r).size()));
      std::string name = sim::format_op(schedule.ops(r)[i], schedule.lanes());
      if (auto amp = name.find('&'); amp != std::string::npos) name.replace(amp, 1, "&amp;");
      EXPECT_EQ((*it)[3], name);
      EXPECT_EQ(std::stod((*it)[4]), run.timings[r][i].start_s);
      EXPECT_EQ(std::stod((*it)[5]), run.timings[r][i].end_s);
    }
    EXPECT_EQ(static_cast<int>(drawn.size()), schedule.op_count()) << sim::schedule_name(kind);
    for (const auto& [where, count] : drawn) EXPECT_EQ(count, 1);
  }
}

TEST(ScheduleSvg, HasTitleLegendAndAxis) {
  const sim::PipelineSchedule schedule = sim::make_schedule({sim::ScheduleKind::kDualPipe, 8, 20, 2});
  const std::string svg = schedule_svg(schedule, sim::run_schedule(schedule, {sim::ChunkTimes{}}));
  // Default chunk times F 1, B 2, W 1, F&B 3 make the published formula exact: bubble 3 x (3 + 2 - 3) = 6 s;
  // each rank runs 20 forward and 20 backward chunks, 20 x 3 = 60 s, so the makespan is 66 s and 6/66 = 9.1%.
  EXPECT_NE(svg.find("dualpipe: pp 8, 20 micro-batches, 8 devices; makespan 66 s, bubble 6 s (9.1%)"),
            std::string::npos);
  EXPECT_NE(svg.find(R"(<g class="legend">)"), std::string::npos);
  EXPECT_NE(svg.find("F&amp;B overlapped forward and backward"), std::string::npos);
  EXPECT_NE(svg.find("Bi backward for inputs"), std::string::npos);
  EXPECT_NE(svg.find(R"(<g class="axis">)"), std::string::npos);
  // 1F1B has no W or F&B: its legend does not list them.
  const sim::PipelineSchedule plain = sim::make_schedule({sim::ScheduleKind::kOneFOneB, 4, 8, 2});
  const std::string plain_svg = schedule_svg(plain, sim::run_schedule(plain, {sim::ChunkTimes{}}));
  EXPECT_EQ(plain_svg.find("W backward for weights"), std::string::npos);
}

TEST(ScheduleSvg, PastTheOpLimitDrawsBusyBandsPerRank) {
  // GPipe, pp 4, 1000 micro-batches: 4 x 2000 ops, past kScheduleSvgMaxOps. With F 1 s and B 2 s by hand:
  // rank r runs its forwards back to back over [r, r + 1000]; the last stage's first backward starts at 1003
  // and rank r's at 1003 + 2 (3 - r), then its 1000 backwards back to back; the makespan is
  // (m + pp - 1)(F + B) = 3009 s. The plot is 3000 px, so gaps under 3 px are gaps under 3.009 s: rank 2's
  // 3 s gap merges, rank 0's 9 s and rank 1's 6 s gaps stay.
  const sim::PipelineSchedule schedule = sim::make_schedule({sim::ScheduleKind::kGPipe, 4, 1000, 2});
  ASSERT_TRUE(schedule_svg_draws_bands(schedule));
  const std::string svg = schedule_svg(schedule, sim::run_schedule(schedule, {sim::ChunkTimes{1.0, 2.0, 1.0, 3.0}}));
  ASSERT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find("8000 ops, more than 5000: busy bands per rank"), std::string::npos);
  EXPECT_EQ(svg.find(R"(<g class="op")"), std::string::npos);
  const std::regex band(R"re(<g class="band" data-rank="(\d+)" data-first="(\d+)" data-last="(\d+)" )re"
                        R"re(data-start="([^"]+)" data-end="([^"]+)">)re");
  std::vector<std::string> bands;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), band); it != std::sregex_iterator(); ++it)
    bands.push_back(fmt::format("rank {}: ops {}-{} [{}, {}]", (*it)[1].str(), (*it)[2].str(), (*it)[3].str(),
                                std::stod((*it)[4]), std::stod((*it)[5])));
  EXPECT_EQ(bands, (std::vector<std::string>{"rank 0: ops 0-999 [0, 1000]", "rank 0: ops 1000-1999 [1009, 3009]",
                                             "rank 1: ops 0-999 [1, 1001]", "rank 1: ops 1000-1999 [1007, 3007]",
                                             "rank 2: ops 0-1999 [2, 3005]", "rank 3: ops 0-1999 [3, 3003]"}));
  EXPECT_LT(svg.size(), 20000u);  // a few kilobytes instead of megabytes
}

}  // namespace
}  // namespace trainsim::reports
