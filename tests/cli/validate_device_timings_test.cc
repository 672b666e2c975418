// `trainsim validate --device-timings` (issue 19's loop on a GPU) on hand-written timings files as the CUDA back-end
// writes them: each compute kind's kernels against the prices of the same ops (the kinds whose every op ran on the
// device, as the run's keys say, whole; the optimizer against the step's optimizer term; with every op on the device,
// the step's device work), each step against its own prediction at its own routing; and the files of another run,
// or without device time, refused with the key to change.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const std::string kGpuScenario = "scenarios/validation/reduced-deepseek-v3-h100.yaml";

// A timings file as train_reduced_model_cuda --backend cuda writes it (kernels/model/op_timing_json.h) for the GPU
// scenario's run, with device times set by hand: each kind's per-step seconds times 5 in the warm-up step, then
// times 1.1, 0.9 and 1 (median: the values themselves). `run` overrides the "run" object's text.
std::string gpu_timings(const std::string& run = R"({"config": "/repo/kernels/model/configs/reduced-deepseek-v3-gpu.json",
    "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47})",
                        double scale = 1, const nlohmann::json& expert_rows = nullptr) {
  const std::map<std::string, double> seconds = {{"attention_core", 40e-6}, {"projection", 120e-6},
                                                 {"mlp_gemm", 60e-6},       {"expert_gemm", 200e-6},
                                                 {"router", 15e-6},         {"embedding_head", 30e-6}};
  nlohmann::json steps = nlohmann::json::array();
  for (const double factor : {5.0, 1.1, 0.9, 1.0}) {
    nlohmann::json kinds;
    for (const char* kind : {"attention_core", "projection", "mlp_gemm", "expert_gemm", "router", "permute",
                             "norm_elementwise", "quantize", "embedding_head", "optimizer"})
      kinds[kind] = seconds.count(kind) ? seconds.at(kind) * factor * scale : 0.0;
    steps.push_back({{"step", steps.size()}, {"device_by_op_kind_s", kinds}, {"device_untimed_s", 0}});
    if (!expert_rows.is_null()) steps.back()["expert_rows"] = expert_rows;
  }
  return R"({"clock": "steady_clock", "run": )" + run + R"(, "steps": )" + steps.dump() + "}";
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

// "| projection | 0.183 | 0.120 | +52.9% | misses |"
std::map<std::string, std::pair<double, double>> kernel_rows_of(const std::string& report) {
  std::map<std::string, std::pair<double, double>> rows;
  const std::regex row(R"(\| ([a-z_]+) \| ([0-9.]+) \| ([0-9.]+) \| [-+][0-9.]+% \| (within|misses) \|)");
  for (auto it = std::sregex_iterator(report.begin(), report.end(), row); it != std::sregex_iterator(); ++it)
    rows[(*it)[1]] = {std::stod((*it)[2]), std::stod((*it)[3])};
  return rows;
}

// `trainsim run`'s step of the GPU scenario (its JSON's "step", with `options` after the scenario): its seconds per
// compute kind (compute_by_op_kind_s) are the predictions of the kinds whose every op ran on the device, its
// optimizer_s the optimizer kind's, its time_s the step's device work's.
void run_step(nlohmann::json& step, const std::vector<std::string>& options = {}) {
  std::vector<std::string> args{"run", kGpuScenario, "--json"};
  args.insert(args.end(), options.begin(), options.end());
  const ProcessResult run = run_trainsim(args, kSource);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  step = nlohmann::json::parse(run.out).at("step");
}

// The report of `trainsim validate` on the GPU scenario with `timings` (written to NAME.json, the report to NAME.md);
// empty, with a failure, where the command fails.
std::string validated_report(const nlohmann::json& timings, const std::string& name) {
  const std::string out = temp_path(name + ".md");
  const ProcessResult r = run_trainsim(
      {"validate", kGpuScenario, "--device-timings", write_temp(name + ".json", timings.dump()), "-o", out}, kSource);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? file_text(out) : std::string();
}

TEST(ValidateCommand, AGpusKernelTimesAreComparedWithThePricesOfTheSameOps) {
  const std::string timings = write_temp("gpu-timings.json", gpu_timings());
  const std::string out = temp_path("validation-gpu.md");
  const ProcessResult r =
      run_trainsim({"validate", kGpuScenario, "--device-timings", timings, "-o", out}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json predicted;
  ASSERT_NO_FATAL_FAILURE(run_step(predicted));
  const nlohmann::json& by_kind = predicted.at("compute_by_op_kind_s");
  const std::string report = file_text(out);
  const auto rows = kernel_rows_of(report);
  // Measured: the median of the steps after the warm-up, the values set above, printed to the microsecond.
  const std::map<std::string, double> measured_ms = {{"attention_core", 0.040}, {"projection", 0.120},
                                                     {"mlp_gemm", 0.060},       {"expert_gemm", 0.200},
                                                     {"router", 0.015},         {"embedding_head", 0.030}};
  EXPECT_EQ(rows.size(), measured_ms.size()) << report;  // kinds with neither a kernel nor a device time left out
  for (const auto& [kind, ms] : measured_ms) {
    ASSERT_TRUE(rows.count(kind)) << kind << " missing from:\n" << report;
    EXPECT_NEAR(rows.at(kind).second, ms, 5e-4) << kind;
    const double run_ms = 1e3 * by_kind.at(kind).get<double>();
    // Predicted: the kind's GEMM and attention ops as `run` prices them. These four kinds hold nothing else, so
    // they are run's whole kind; the router and the head also hold memory-bound ops (top-k, the loss), less.
    if (kind == "router" || kind == "embedding_head") {
      EXPECT_GT(rows.at(kind).first, 0) << kind;
      EXPECT_LT(rows.at(kind).first, run_ms) << kind;
    } else {
      EXPECT_NEAR(rows.at(kind).first, run_ms, 5e-4) << kind;
    }
  }
  // The model's FP64 head and gate, which the catalog prices as BF16 GEMMs, are named.
  EXPECT_NE(report.find("router, embedding_head: the model runs its output head and its router's gate at FP64"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("Each of the 3 steps read"), std::string::npos) << report;
  EXPECT_NE(report.find("expert_gemm: the model runs each routed expert's GEMMs as calls of their own"),
            std::string::npos)
      << report;
  // The H100 borrows the H800 trace's calibration, which fits every family these kinds use: nothing is on the
  // roofline. Without a calibration everything is, and the report says so kind by kind, naming the families.
  EXPECT_EQ(report.find("Priced by the datasheet roofline"), std::string::npos) << report;
  // The fits that priced each kind are named where they miss their own points by over 2% rms, at the residuals
  // hardware/calibration/h800-trace.yaml gives them (fits.<family>.residuals.rms_relative: attention_forward 0.0244,
  // attention_backward 0.0271, bf16_gemm 0.0472).
  EXPECT_NE(report.find("Priced by fits that miss their own points (rms over the calibration's points of each family): "
                        "attention_core (attention_forward 2.4%, attention_backward 2.7%); projection (bf16_gemm 4.7%)"),
            std::string::npos)
      << report;
  const std::string bare = temp_path("validation-gpu-roofline.md");
  ASSERT_EQ(run_trainsim({"validate", kGpuScenario, "--set", "cluster.calibration=none", "--device-timings", timings,
                          "-o", bare},
                         kSource)
                .exit_code,
            0);
  const std::string roofline = file_text(bare);
  EXPECT_NE(roofline.find("Priced by the datasheet roofline, not by a measurement: attention_core "
                          "(attention_backward, attention_forward); "),
            std::string::npos)
      << roofline;
  EXPECT_NE(roofline.find("projection (bf16_gemm)"), std::string::npos) << roofline;
  EXPECT_EQ(roofline.find("Priced by fits"), std::string::npos) << roofline;  // no fit priced anything

  // A file without run.launches_held predates the stream hold: its launches are inside its times, and the report
  // says so; a run that held its stream is said to time the device's work alone; anything else is refused.
  EXPECT_NE(report.find("this run's timer had no stream hold"), std::string::npos) << report;
  const std::string held = write_temp("gpu-timings-held.json", gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
    "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47, "launches_held": true})"));
  const std::string held_out = temp_path("validation-gpu-held.md");
  ASSERT_EQ(run_trainsim({"validate", kGpuScenario, "--device-timings", held, "-o", held_out}, kSource).exit_code, 0);
  EXPECT_NE(file_text(held_out).find("queued behind a stream hold"), std::string::npos) << file_text(held_out);
  const std::string odd = write_temp("gpu-timings-odd.json", gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
    "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47, "launches_held": 1})"));
  const ProcessResult refused = run_trainsim({"validate", kGpuScenario, "--device-timings", odd}, kSource);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("run.launches_held: is not true or false"), std::string::npos) << refused.err;
}

// Since 2026-12-05 the CUDA back-end runs the norm/element-wise and permute ops on the device too, and its timings
// say so (run.memory_bound_on_device): those kinds are then compared, every op of theirs priced; a file without the
// key (the earlier runs') compares the GEMM and attention kinds alone, as before.
TEST(ValidateCommand, AGpusMemoryBoundKindsAreComparedWhereTheyRanOnTheDevice) {
  const std::string run_on_device = R"({"config": "reduced-deepseek-v3-gpu.json", "precision": "bf16",
      "backend": "cuda", "sequences": 2, "length": 47, "launches_held": true, "memory_bound_on_device": true})";
  nlohmann::json timings = nlohmann::json::parse(gpu_timings(run_on_device));
  for (nlohmann::json& step : timings["steps"]) {  // the same values every step: the median is them
    step["device_by_op_kind_s"]["norm_elementwise"] = 80e-6;
    step["device_by_op_kind_s"]["permute"] = 25e-6;
  }
  const std::string report = validated_report(timings, "gpu-timings-memory-bound");
  ASSERT_FALSE(report.empty());
  nlohmann::json predicted;
  ASSERT_NO_FATAL_FAILURE(run_step(predicted));
  const nlohmann::json& by_kind = predicted.at("compute_by_op_kind_s");
  const auto rows = kernel_rows_of(report);
  // Both kinds hold only memory-bound ops, so their predictions are run's whole kinds.
  for (const auto& [kind, measured_ms] : {std::pair{"norm_elementwise", 0.080}, std::pair{"permute", 0.025}}) {
    ASSERT_TRUE(rows.count(kind)) << kind << " missing from:\n" << report;
    EXPECT_NEAR(rows.at(kind).second, measured_ms, 5e-4) << kind;
    EXPECT_GT(rows.at(kind).first, 0) << kind;
    EXPECT_NEAR(rows.at(kind).first, 1e3 * by_kind.at(kind).get<double>(), 5e-4) << kind;
  }
  EXPECT_NE(report.find("GEMMs and attention core, norms, element-wise ops and permutes"), std::string::npos)
      << report;
  EXPECT_NE(report.find("while its routing, embedding, loss and optimizer still run on the host"), std::string::npos)
      << report;

  // The same times in a file without the key: those kinds are not the device's ops, and are left out.
  timings["run"].erase("memory_bound_on_device");
  const std::string before = validated_report(timings, "gpu-timings-memory-bound-before");
  ASSERT_FALSE(before.empty());
  const auto before_rows = kernel_rows_of(before);
  for (const char* kind : {"norm_elementwise", "permute"}) {
    ASSERT_TRUE(before_rows.count(kind)) << kind;  // measured but not predicted: shown, with nothing priced
    EXPECT_EQ(before_rows.at(kind).first, 0) << kind;
  }
}

// Where a run's timings say a kind's other ops ran on the device too (`flag`), the kind's prediction is every op of it,
// run's whole kind; without the key, only its GEMMs, less than that.
void expect_whole_kind_only_with(const std::string& flag, const std::string& kind) {
  nlohmann::json timings = nlohmann::json::parse(gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47, "launches_held": true,
      "memory_bound_on_device": true})"));
  timings["run"][flag] = true;
  for (nlohmann::json& step : timings["steps"]) step["device_by_op_kind_s"][kind] = 300e-6;
  nlohmann::json predicted;
  ASSERT_NO_FATAL_FAILURE(run_step(predicted));
  const nlohmann::json& by_kind = predicted.at("compute_by_op_kind_s");
  const double whole_kind_ms = 1e3 * by_kind.at(kind).get<double>();
  auto predicted_ms = [&](const nlohmann::json& file, const std::string& name) {
    const std::string report = validated_report(file, name);
    const auto rows = kernel_rows_of(report);
    EXPECT_TRUE(rows.count(kind)) << report;
    return rows.count(kind) ? rows.at(kind).first : -1.0;
  };
  EXPECT_NEAR(predicted_ms(timings, "gpu-timings-" + flag), whole_kind_ms, 5e-4) << kind;
  timings["run"].erase(flag);
  const double gemms_ms = predicted_ms(timings, "gpu-timings-without-" + flag);
  EXPECT_GT(gemms_ms, 0) << kind;                    // the kind's GEMMs
  EXPECT_LT(gemms_ms, whole_kind_ms - 1e-3) << kind;  // without its other ops
}

// The embedding_head kind: the head's and the MTP projection's GEMMs, and with run.embedding_and_loss_on_device the
// lookups, scatter-adds, final norms and losses.
TEST(ValidateCommand, AGpusEmbeddingHeadKindIsWholeWhereItsEndsRanOnTheDevice) {
  expect_whole_kind_only_with("embedding_and_loss_on_device", "embedding_head");
}
// The router kind: the gate's GEMMs, and with run.routing_on_device the top-k choice, its gradient and the balance
// loss.
TEST(ValidateCommand, AGpusRouterKindIsWholeWhereTheRoutingRanOnTheDevice) {
  expect_whole_kind_only_with("routing_on_device", "router");
}

// Since AdamW and the gradients' zeroing also run on the device (run.optimizer_on_device), the optimizer kind is
// compared with the step's optimizer term, `trainsim run`'s optimizer_s; without the key it is not predicted.
TEST(ValidateCommand, AGpusOptimizerIsComparedWithTheStepsOptimizerTermWhereItRanOnTheDevice) {
  const std::string run_on_device = R"({"config": "reduced-deepseek-v3-gpu.json", "precision": "bf16",
      "backend": "cuda", "sequences": 2, "length": 47, "launches_held": true, "memory_bound_on_device": true,
      "embedding_and_loss_on_device": true, "optimizer_on_device": true})";
  nlohmann::json timings = nlohmann::json::parse(gpu_timings(run_on_device));
  for (nlohmann::json& step : timings["steps"]) step["device_by_op_kind_s"]["optimizer"] = 150e-6;
  const std::string report = validated_report(timings, "gpu-timings-optimizer");
  nlohmann::json predicted;
  ASSERT_NO_FATAL_FAILURE(run_step(predicted));
  const double optimizer_ms = 1e3 * predicted.at("optimizer_s").get<double>();
  ASSERT_GT(optimizer_ms, 0);
  const auto rows = kernel_rows_of(report);
  ASSERT_TRUE(rows.count("optimizer")) << report;
  EXPECT_NEAR(rows.at("optimizer").first, optimizer_ms, 5e-4);
  EXPECT_NEAR(rows.at("optimizer").second, 0.150, 5e-4);
  EXPECT_NE(report.find("while its routing still runs on the host"), std::string::npos) << report;
  timings["run"].erase("optimizer_on_device");
  const auto before_rows = kernel_rows_of(validated_report(timings, "gpu-timings-optimizer-before"));
  ASSERT_TRUE(before_rows.count("optimizer"));  // measured but not predicted: shown, with nothing priced
  EXPECT_EQ(before_rows.at("optimizer").first, 0);
}

// Where every op of the step ran on the device (the four run.*_on_device keys), the report adds the step's device
// work: its prediction `trainsim run`'s whole step (compute and optimizer: one device, no communication), its
// measurement the sum of every kind's device time; with one key missing, no step is compared.
TEST(ValidateCommand, AGpusStepIsComparedAsItsDeviceWorkWhereEveryOpRanOnTheDevice) {
  nlohmann::json timings = nlohmann::json::parse(gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47, "launches_held": true,
      "memory_bound_on_device": true, "embedding_and_loss_on_device": true, "routing_on_device": true,
      "optimizer_on_device": true})"));
  double measured_s = 0;  // every step alike: the step of median error is any of them
  for (nlohmann::json& step : timings["steps"]) {
    measured_s = 0;
    for (auto& [kind, seconds] : step["device_by_op_kind_s"].items()) {
      seconds = 100e-6;
      measured_s += 100e-6;
    }
  }
  const std::string report = validated_report(timings, "gpu-timings-step");
  nlohmann::json predicted;
  ASSERT_NO_FATAL_FAILURE(run_step(predicted));
  const double step_ms = 1e3 * predicted.at("time_s").get<double>();
  const auto rows = kernel_rows_of(report);
  ASSERT_TRUE(rows.count("step")) << report;
  EXPECT_NEAR(rows.at("step").first, step_ms, 2e-3);  // each kind printed to 1e-3 ms
  EXPECT_NEAR(rows.at("step").second, 1e3 * measured_s, 5e-4);
  EXPECT_NE(report.find("## The step's device work (goal: within 5%)"), std::string::npos) << report;
  EXPECT_NE(report.find("while its experts' bias update is still computed on the host"), std::string::npos) << report;
  const ProcessResult summary = run_trainsim(
      {"validate", kGpuScenario, "--device-timings", write_temp("gpu-timings-step.json", timings.dump())}, kSource);
  EXPECT_NE(summary.out.find("step (device work)"), std::string::npos) << summary.out;  // without -o: the summary
  timings["run"].erase("routing_on_device");
  const std::string partial = validated_report(timings, "gpu-timings-step-partial");
  EXPECT_NE(partial.find("## The kinds' kernels"), std::string::npos);
  EXPECT_EQ(partial.find("## The step's device work"), std::string::npos);
}

// The FP8 run (gpu-run.sh's model-step trains both): its GEMMs' kernels in their kinds, its activations' casts in
// quantize against the catalog's quantize ops, its weights' casts reported apart.
TEST(ValidateCommand, AGpusFp8CastsAreComparedWithTheCatalogsQuantizeOps) {
  nlohmann::json timings = nlohmann::json::parse(gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "fp8", "backend": "cuda", "sequences": 2, "length": 47})"));
  const std::vector<double> factors = {5.0, 1.1, 0.9, 1.0};  // gpu_timings' steps
  for (std::size_t i = 0; i < factors.size(); ++i) {
    timings["steps"][i]["device_by_op_kind_s"]["quantize"] = 25e-6 * factors[i];
    timings["steps"][i]["device_weight_casts_s"] = 12e-6 * factors[i];
  }
  const std::string file = write_temp("fp8-gpu-timings.json", timings.dump());
  const std::string out = temp_path("validation-gpu-fp8.md");
  const ProcessResult r = run_trainsim(
      {"validate", kGpuScenario, "--set", "training.precision=fp8", "--device-timings", file, "-o", out}, kSource);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json predicted;
  ASSERT_NO_FATAL_FAILURE(run_step(predicted, {"--set", "training.precision=fp8"}));
  const nlohmann::json& by_kind = predicted.at("compute_by_op_kind_s");
  const std::string report = file_text(out);
  const auto rows = kernel_rows_of(report);
  ASSERT_TRUE(rows.count("quantize")) << report;
  // Measured: the median of the steps read. Predicted: the quantize kind holds only the FP8 casts, every one of
  // which the model runs on the device, so it is run's whole kind; so is projection, all GEMMs.
  EXPECT_NEAR(rows.at("quantize").second, 0.025, 5e-4);
  for (const char* kind : {"quantize", "projection"})
    EXPECT_NEAR(rows.at(kind).first, 1e3 * by_kind.at(kind).get<double>(), 5e-4) << kind;
  EXPECT_NE(report.find("GEMMs, their FP8 casts and attention core"), std::string::npos) << report;
  EXPECT_NE(report.find("its casts read FP32 operands"), std::string::npos) << report;
  EXPECT_NE(report.find("at every FP8 GEMM call, 0.012 ms a step"), std::string::npos) << report;
}

// The predicted rows of a GPU kernels' report, for timings with the given routing in every step.
std::map<std::string, std::pair<double, double>> gpu_rows_at(const nlohmann::json& expert_rows, std::string* report) {
  const std::string timings = write_temp("routed-timings.json", gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47})", 1, expert_rows));
  const std::string out = temp_path("validation-gpu-routed.md");
  const ProcessResult r = run_trainsim({"validate", kGpuScenario, "--device-timings", timings, "-o", out}, kSource);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  *report = file_text(out);
  return kernel_rows_of(*report);
}

TEST(ValidateCommand, AGpusExpertsArePricedAsTheModelRunsThemAtItsRouting) {
  // The GPU config: one MoE layer and the MTP module's, 8 experts, top 2: 2 x 48 tokens route 192 rows, and the MTP
  // module's 2 x 47 tokens 188.
  const nlohmann::json spread = {{24, 24, 24, 24, 24, 24, 24, 24}, {24, 24, 24, 24, 23, 23, 23, 23}};
  const nlohmann::json packed = {{96, 96, 0, 0, 0, 0, 0, 0}, {94, 94, 0, 0, 0, 0, 0, 0}};
  std::string spread_report, packed_report, balanced_report;
  const auto at_spread = gpu_rows_at(spread, &spread_report), at_packed = gpu_rows_at(packed, &packed_report);
  const auto balanced = gpu_rows_at(nullptr, &balanced_report);
  EXPECT_NE(spread_report.find("expert_gemm: priced as the model runs its experts"), std::string::npos)
      << spread_report;
  // Routing moves only the experts' GEMMs.
  for (const char* kind : {"attention_core", "projection", "mlp_gemm", "router", "embedding_head"}) {
    EXPECT_EQ(at_spread.at(kind).first, balanced.at(kind).first) << kind;
    EXPECT_EQ(at_packed.at(kind).first, balanced.at(kind).first) << kind;
  }
  // The same rows in fewer calls cost less: each call pays its own launch and rounds its own rows up to whole
  // tiles, and the two experts without rows run none.
  EXPECT_GT(at_packed.at("expert_gemm").first, 0);
  EXPECT_LT(at_packed.at("expert_gemm").first, at_spread.at("expert_gemm").first);
  // Eight calls per op where the catalog's balanced step has one grouped GEMM: not the balanced price.
  EXPECT_NE(at_spread.at("expert_gemm").first, balanced.at("expert_gemm").first);
}

// Steps routed differently are priced differently; each kind's row is one step's prediction beside that step's
// measurement, the step of median error, so an outlier step (a kernel's module loaded inside its interval) neither
// moves the row nor pairs one step's prediction with another's measurement.
TEST(ValidateCommand, AGpusStepsAreEachComparedWithTheirOwnPrediction) {
  const nlohmann::json spread = {{24, 24, 24, 24, 24, 24, 24, 24}, {24, 24, 24, 24, 23, 23, 23, 23}};
  const nlohmann::json packed = {{96, 96, 0, 0, 0, 0, 0, 0}, {94, 94, 0, 0, 0, 0, 0, 0}};
  std::string report;
  const double spread_ms = gpu_rows_at(spread, &report).at("expert_gemm").first;
  const double packed_ms = gpu_rows_at(packed, &report).at("expert_gemm").first;
  ASSERT_LT(packed_ms, spread_ms);  // fewer calls (the test above)
  // Steps 1 and 3 as predicted, step 2 eight times its prediction: a median of each column apart would set the
  // packed prediction (two of three steps) beside the spread measurement (the middle of packed, spread, 8 x packed).
  ASSERT_LT(spread_ms, 8 * packed_ms);
  nlohmann::json timings = nlohmann::json::parse(gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47})", 1, spread));
  const std::vector<std::pair<nlohmann::json, double>> steps = {
      {spread, spread_ms}, {spread, spread_ms}, {packed, 8 * packed_ms}, {packed, packed_ms}};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    timings["steps"][i]["expert_rows"] = steps[i].first;
    timings["steps"][i]["device_by_op_kind_s"]["expert_gemm"] = steps[i].second * 1e-3;
  }
  const std::string file = write_temp("paired-timings.json", timings.dump());
  const std::string out = temp_path("validation-gpu-paired.md");
  ASSERT_EQ(run_trainsim({"validate", kGpuScenario, "--device-timings", file, "-o", out}, kSource).exit_code, 0);
  const auto rows = kernel_rows_of(file_text(out));
  // Errors 0 (spread), -87.5% and 0 (packed): the median is a step measured as predicted, to the report's rounding
  // of the predictions the measurements were made from (0.0005 ms).
  EXPECT_NEAR(rows.at("expert_gemm").first, rows.at("expert_gemm").second, 1e-3) << file_text(out);

  // A step whose calls were queued past their stream hold is left out where others are not, and said to be: with
  // the two as-predicted steps spoiled, the row is the outlier step's (-87.5%).
  for (std::size_t i : {1u, 3u}) timings["steps"][i]["device_calls_past_hold"] = 2;
  const std::string spoiled = write_temp("spoiled-timings.json", timings.dump());
  ASSERT_EQ(run_trainsim({"validate", kGpuScenario, "--device-timings", spoiled, "-o", out}, kSource).exit_code, 0);
  const std::string report_spoiled = file_text(out);
  EXPECT_NEAR(kernel_rows_of(report_spoiled).at("expert_gemm").second, 8 * packed_ms, 1e-3) << report_spoiled;
  EXPECT_NE(report_spoiled.find("2 of the 3 steps read had calls queued for longer than their stream hold"),
            std::string::npos)
      << report_spoiled;
  // Every step spoiled: all are compared, and the rows are said to be upper bounds.
  timings["steps"][2]["device_calls_past_hold"] = 1;
  const std::string all_spoiled = write_temp("all-spoiled-timings.json", timings.dump());
  ASSERT_EQ(run_trainsim({"validate", kGpuScenario, "--device-timings", all_spoiled, "-o", out}, kSource).exit_code,
            0);
  const auto all_rows = kernel_rows_of(file_text(out));
  EXPECT_NEAR(all_rows.at("expert_gemm").first, all_rows.at("expert_gemm").second, 1e-3) << file_text(out);
  EXPECT_NE(file_text(out).find("the rows are upper bounds"), std::string::npos) << file_text(out);
  timings["steps"][2]["device_calls_past_hold"] = -1;
  const ProcessResult bad = run_trainsim(
      {"validate", kGpuScenario, "--device-timings", write_temp("bad-spoiled-timings.json", timings.dump())}, kSource);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("steps[2].device_calls_past_hold"), std::string::npos) << bad.err;
}

TEST(ValidateCommand, RefusesTimingsOfAnotherRunOrWithoutDeviceTimeNamingTheKey) {
  const std::string good = write_temp("good-timings.json", gpu_timings());
  const std::string cpu = write_temp("cpu-timings.json", gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "bf16", "backend": "cpu", "sequences": 2, "length": 47})", 0));
  const std::string fp8 = write_temp("fp8-timings.json", gpu_timings(R"({"config": "reduced-deepseek-v3-gpu.json",
      "precision": "fp8", "backend": "cuda", "sequences": 2, "length": 47})"));
  const std::string other_model = write_temp("small-timings.json", gpu_timings(R"({"config":
      "reduced-deepseek-v3-small.json", "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47})"));
  const std::string no_run = write_temp("no-run-timings.json", R"({"steps": []})");
  const std::string bad_rows = write_temp("bad-rows-timings.json", gpu_timings(R"({"config":
      "reduced-deepseek-v3-gpu.json", "precision": "bf16", "backend": "cuda", "sequences": 2, "length": 47})", 1,
      nlohmann::json{{1, -2}}));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"validate", kHostScenario, "--device-timings", good}, "is for a GPU scenario"},
      {{"validate", kGpuScenario, "--device-timings", good, "--rounds", "2"}, "--rounds"},
      {{"validate", kGpuScenario, "--device-timings", good, "--set", "training.sequence_length=64"},
       "training.sequence_length"},
      {{"validate", kGpuScenario, "--device-timings", cpu}, "has no device time"},
      {{"validate", kGpuScenario, "--device-timings", fp8}, "training.precision"},
      {{"validate", kGpuScenario, "--device-timings", other_model}, "model.config"},
      {{"validate", kGpuScenario, "--device-timings", no_run}, ": run: is missing"},
      {{"validate", kGpuScenario, "--device-timings", bad_rows}, "steps[0].expert_rows: holds -2"},
      {{"validate", kGpuScenario}, "--device-timings FILE"},  // a GPU's own loop is not built: say what is
  };
  for (const auto& [args, needle] : cases) {
    const std::string out = temp_path("refused-gpu.md");
    std::vector<std::string> with_output = args;
    with_output.insert(with_output.end(), {"-o", out});
    const ProcessResult r = run_trainsim(with_output, kSource);
    EXPECT_EQ(r.exit_code, 2) << args.back() << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << args.back();  // nothing half-written
  }
}

}  // namespace
}  // namespace trainsim::testing
