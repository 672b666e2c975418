// The comparison table and its JSON: every kind listed, values from the executor beside the formulas,
// unavailable kinds explained, deterministic output.
#include "reports/schedule_table.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace trainsim::reports {
namespace {

ScheduleTableInput table(int pp, int m, sim::ChunkTimes times = {}) {
  ScheduleTableInput input;
  input.stage_times = {times};
  input.rows = sim::compare_schedules(pp, m, 2, input.stage_times, 0);
  return input;
}

TEST(ScheduleTable, JsonCarriesEveryScheduleWithItsFigures) {
  const nlohmann::json j = nlohmann::json::parse(schedule_table_json(table(8, 20), true));
  ASSERT_EQ(j["schedules"].size(), sim::kAllScheduleKinds.size());
  for (const auto& s : j["schedules"]) {
    for (const char* key : {"kind", "pp", "microbatches", "devices", "available"}) EXPECT_TRUE(s.contains(key)) << key;
    if (!s["available"].get<bool>()) continue;
    for (const char* key : {"makespan", "bubble", "bubble_ratio", "peak_activations", "parameter_copies", "order"})
      EXPECT_TRUE(s.contains(key)) << s["kind"] << " " << key;
  }
  const auto& dualpipe = j["schedules"][4];
  EXPECT_EQ(dualpipe["kind"], "dualpipe");
  // Published (docs/sources.md#pipeline-bubbles), exact at F 1, B 2, W 1, F&B 3: bubble 3 x (3 + 2 - 3) = 6,
  // activations PP + 1 = 9, parameters 2x; DualPipeV runs on PP/2 = 4 devices.
  EXPECT_DOUBLE_EQ(dualpipe["bubble"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(dualpipe["published_bubble"].get<double>(), 6.0);
  EXPECT_EQ(dualpipe["published_bubble_exact"], true);
  EXPECT_EQ(dualpipe["peak_activations"], 9);
  EXPECT_EQ(dualpipe["parameter_copies"], 2);
  EXPECT_EQ(dualpipe["order"].size(), 8u);
  EXPECT_EQ(dualpipe["order"][0][0], "F0a");
  EXPECT_EQ(j["schedules"][5]["devices"], 4);
  // Interleaved needs micro-batches in groups of pp: 20 is not a multiple of 8.
  EXPECT_EQ(j["schedules"][2]["available"], false);
  EXPECT_NE(j["schedules"][2]["reason"].get<std::string>().find("whole groups of pp = 8"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(schedule_table_json(table(8, 20), false))["schedules"][0].contains("order"));
}

TEST(ScheduleTable, TextListsAllKindsAndMarksEstimates) {
  const std::string exact = schedule_table_text(table(8, 24));
  for (auto kind : sim::kAllScheduleKinds)
    EXPECT_NE(exact.find(std::string(sim::schedule_name(kind))), std::string::npos) << exact;
  EXPECT_EQ(exact.find("estimate"), std::string::npos) << exact;
  const std::string estimate = schedule_table_text(table(8, 24, {1.5, 2.0, 0.8, 2.6}));
  EXPECT_NE(estimate.find("estimate"), std::string::npos);
  EXPECT_EQ(schedule_table_text(table(8, 24)), exact);  // deterministic
}

}  // namespace
}  // namespace trainsim::reports
