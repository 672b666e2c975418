// `trainsim schedule` through run_schedule_command and through CLI11 parsing: the table, the JSON, the files it
// writes when asked (and only then), the trace size limit, and ConfigError for every bad argument.
#include "cli/schedule_command.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/read_file.h"
#include "core/error.h"
#include "reports/schedule_svg.h"
#include "reports/schedule_trace.h"
#include "sim/schedules/schedule_request.h"

namespace trainsim::cli {
namespace {

class ScheduleCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("trainsim-schedule-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ScheduleCommandOptions options() const {
    ScheduleCommandOptions o;
    o.svg_path = (dir_ / "out.svg").string();
    o.trace_path = (dir_ / "out.trace.json").string();
    return o;
  }
  std::filesystem::path dir_;
};

TEST_F(ScheduleCommand, PrintsTheTableAndWritesBothFiles) {
  const ScheduleCommandOutput output = run_schedule_command(options());
  EXPECT_NE(output.out.find("pipeline schedules for pp 8 and 20 micro-batches"), std::string::npos) << output.out;
  EXPECT_NE(output.out.find("dualpipev"), std::string::npos);
  EXPECT_NE(output.out.find("wrote " + options().svg_path), std::string::npos);
  EXPECT_TRUE(read_file(options().svg_path).starts_with("<?xml"));
  EXPECT_TRUE(nlohmann::json::accept(read_file(options().trace_path)));
  EXPECT_EQ(run_schedule_command(options()).out, output.out);  // deterministic
}

// The message of the ConfigError run_schedule_command throws for `o`, checking the flag it names.
std::string rejection(const ScheduleCommandOptions& o, const std::string& key_path) {
  try {
    run_schedule_command(o);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().key_path, key_path) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << key_path;
  return "";
}

TEST_F(ScheduleCommand, WritesOnlyTheFilesAskedFor) {
  ScheduleCommandOptions o = options();
  o.svg_path.clear();
  o.trace_path.clear();
  const ScheduleCommandOutput neither = run_schedule_command(o);
  EXPECT_EQ(neither.out.find("wrote"), std::string::npos) << neither.out;
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  o.trace_path = options().trace_path;
  EXPECT_NE(run_schedule_command(o).out.find("wrote " + o.trace_path), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(o.trace_path));
  EXPECT_FALSE(std::filesystem::exists(options().svg_path));
}

TEST_F(ScheduleCommand, ABadPathWritesNeitherFile) {
  ScheduleCommandOptions o = options();
  o.trace_path = (dir_ / "missing" / "out.trace.json").string();
  EXPECT_THROW(run_schedule_command(o), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(ScheduleCommand, RefusesATraceOverTheLimitBeforeWritingAnything) {
  ScheduleCommandOptions o = options();
  o.max_trace_bytes = 100000;  // the pp 8, 20 micro-batch DualPipe trace is about 84 kB; its bound is above
  const std::string message = rejection(o, "--trace");
  EXPECT_NE(message.find("over the limit of 100000 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("hint: "), std::string::npos) << message;
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  EXPECT_EQ(ScheduleCommandOptions().max_trace_bytes, std::size_t{1} << 30);  // 1 GiB, as --help says
}

TEST_F(ScheduleCommand, TraceBoundHoldsAndIsNotLoose) {
  // Many digits everywhere: 32 ranks, three-digit micro-batches, F&B ops (DualPipe), times that print long.
  const sim::PipelineSchedule schedule = sim::make_schedule({sim::ScheduleKind::kDualPipe, 32, 128, 2});
  const sim::ScheduleRun run = sim::run_schedule(schedule, {sim::ChunkTimes{1.0 / 3, 2.0 / 3, 1.0 / 7, 0.9}});
  const std::size_t bytes = reports::schedule_trace_json(schedule, run).size();
  EXPECT_LE(bytes, schedule_trace_bytes_bound(schedule));
  EXPECT_GT(bytes, schedule_trace_bytes_bound(schedule) / 2);  // the refusal is not off by more than 2x
}

TEST_F(ScheduleCommand, ALargeScheduleIsDrawnAsBusyBandsAndSaysSo) {
  ScheduleCommandOptions o = options();
  o.kind = "1f1b";
  o.microbatches = 400;  // 8 ranks x 400 x (F, B) = 6400 ops, past kScheduleSvgMaxOps
  o.trace_path.clear();
  const ScheduleCommandOutput output = run_schedule_command(o);
  EXPECT_NE(output.err.find("more than the 5000 an SVG draws one by one"), std::string::npos) << output.err;
  const std::string svg = read_file(o.svg_path);
  EXPECT_NE(svg.find("busy bands per rank"), std::string::npos);
  EXPECT_EQ(svg.find(R"(<g class="op")"), std::string::npos);
}

TEST_F(ScheduleCommand, JsonKeepsStdoutPure) {
  ScheduleCommandOptions o = options();
  o.json = true;
  o.order = true;
  const ScheduleCommandOutput output = run_schedule_command(o);
  const nlohmann::json j = nlohmann::json::parse(output.out);
  // DualPipe's rank 3, op 9 in DeepSeek's reference order (tests/sim/schedules/data/dualpipe-p8-n20.txt).
  EXPECT_EQ(j["schedules"][4]["order"][3][9], "B0b");
  EXPECT_NE(output.err.find("wrote"), std::string::npos);
}

TEST_F(ScheduleCommand, TextOrderPrintsTheChosenSchedule) {
  ScheduleCommandOptions o = options();
  o.order = true;
  o.kind = "dualpipev";
  o.microbatches = 10;
  const std::string out = run_schedule_command(o).out;
  // DualPipeV on pp 8 is the first half of DualPipe's reference: its rank 3 as in
  // tests/sim/schedules/data/dualpipe-p8-n20.txt.
  EXPECT_NE(out.find("rank 3: F0a F0b F1a F1b F2a F2b F3a F3b F4a B0b F4b&B0a"), std::string::npos) << out;
}

TEST_F(ScheduleCommand, ScenarioGivesOneChunkTimePerStage) {
  ScheduleCommandOptions o = options();
  o.scenario_path = TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml";
  o.pp = 16;
  std::string source;
  const std::vector<sim::ChunkTimes> times = stage_times_for_command(o, source);
  ASSERT_EQ(times.size(), 16u);
  EXPECT_EQ(source, o.scenario_path);
  for (const sim::ChunkTimes& t : times) {
    // B = Bi + W with Bi > 0: a backward chunk does more than its weight part. (No bound on F&B against F
    // and B: a lone chunk's time includes all-to-all that the pair hides, so F&B may be below B.)
    EXPECT_GT(t.backward_s, t.weight_backward_s);
  }
}

TEST_F(ScheduleCommand, RejectsBadArguments) {
  ScheduleCommandOptions o = options();
  o.kind = "dualpip";
  EXPECT_NE(rejection(o, "--kind").find("did you mean 'dualpipe'"), std::string::npos);
  o = options();
  o.pp = 7;
  EXPECT_NE(rejection(o, "schedule.pp").find("dualpipe needs an even pp, got 7"), std::string::npos);
  o = options();
  o.microbatches = 10;
  rejection(o, "schedule.microbatches");
  o = options();
  o.times.weight_backward_s = 3;
  EXPECT_NE(rejection(o, "--w").find("0 <= W <= B"), std::string::npos);
  o = options();
  o.times.forward_s = -1;
  rejection(o, "--f");
  o = options();
  o.p2p_latency_s = -1;
  rejection(o, "--p2p-latency");
  o = options();
  o.scenario_path = "does-not-exist.yaml";
  EXPECT_NE(rejection(o, "").find("does-not-exist.yaml: cannot read the scenario file"), std::string::npos);
  o.scenario_path = TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml";
  o.pp = 8;  // the scenario has pp 16
  EXPECT_NE(rejection(o, "--pp").find("differs from the scenario's 16 pipeline stages"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(options().svg_path));  // nothing written on bad input
}

TEST_F(ScheduleCommand, ParsesItsFlags) {
  CLI::App app;
  add_schedule_command(app);
  const std::string svg = options().svg_path;
  const std::string trace = options().trace_path;
  testing::internal::CaptureStdout();
  app.parse(std::vector<std::string>{trace, "--trace", svg, "--svg", "1", "--fb", "1", "--w", "2", "--b", "1",
                                     "--f", "16", "--microbatches", "4", "--pp", "zb1p", "--kind", "schedule"});
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("pipeline schedules for pp 4 and 16 micro-batches"), std::string::npos) << out;
  EXPECT_NE(read_file(svg).find("zb1p: pp 4, 16 micro-batches"), std::string::npos);
}

}  // namespace
}  // namespace trainsim::cli
