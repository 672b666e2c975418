// The reduced model on more than one GPU over NCCL (nccl_communicator.h) against the same ranks as threads
// (thread_communicator.h), whose runs CI holds to one device (tests/kernels/model/*parallel*_test.cc):
//   model_parallel_check [--quick] [CONFIG.json]
// On every visible GPU up to 8, as a power of two (the tiny config's 8 routed experts divide over it): the tiny
// model trained 2 steps as a grid of pipeline x EP ranks: PP 1 (the data- and expert-parallel step); DualPipeV's 2
// stages on one pipeline rank (its stages' messages go through NCCL to the rank itself, in the step's rounds); and,
// with 2 GPUs or more, PP 2 in GPipe order (all forwards, then all backwards) and in DualPipe's (both directions, each
// stage's two copies summed across the GPUs); the rest of the GPUs as expert groups.
// The compute runs on the CPU back-end on every rank: what is checked is the communication. Each rank's losses and
// weights against the threads' run: NCCL's all-reduce adds in its own order, so losses within 1e-12 relative and
// weights within 1e-5 of the largest (one BF16 moment ulp of an update, lr x 2^-7: the tests' bound). Exits 0 when
// all pass, 77 without a CUDA device. One GPU forms expert groups of one: it checks the NCCL calls, not their traffic
// between GPUs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/common/device_buffer.cuh"
#include "kernels/common/driver_args.h"
#include "kernels/model/model_parallel_check_layouts.h"
#include "kernels/model/nccl_communicator.h"
#include "kernels/model/pipeline_parallel_step.h"
#include "kernels/model/thread_communicator.h"

using namespace trainsim::kernels;
using namespace trainsim::kernels::model;

namespace {

constexpr unsigned long long kSeed = 5;
constexpr int kSteps = 2, kMicroBatches = kParallelCheckMicroBatches;

struct RankResult {
  std::vector<double> losses;         // total loss of each step
  std::vector<ModelWeights> weights;  // of each lane
};

using Runner = std::function<void(int, const std::function<void(Communicator&)>&)>;

// The grid's step on every rank: a pipeline of each expert rank, an expert group of each pipeline rank.
std::vector<RankResult> train_grid(const Runner& run, const ModelConfig& c, const PipelineLayout& layout,
                                   int expert_ranks) {
  const int pipeline_ranks = int(layout.plan.size()), ranks = pipeline_ranks * expert_ranks;
  const ExpertPlacement placement = ExpertPlacement::contiguous(c.n_routed_experts, expert_ranks);
  std::vector<RankResult> results(ranks);
  run(ranks, [&](Communicator& world) {
    const int w = world.rank(), r = w / expert_ranks, e = w % expert_ranks;
    const std::unique_ptr<Communicator> pipeline_peers = world.split(e, r);
    const std::unique_ptr<Communicator> expert_peers = world.split(r, e);
    std::vector<PipelineParallelism> directions;
    for (const std::vector<int>& ranks_of_stages : layout.rank_of_stage)
      directions.push_back(PipelineParallelism{pipeline_peers.get(), ranks_of_stages});
    const ExpertParallelism experts{expert_peers.get(), placement};
    const std::vector<int>& stages = layout.plan[r].stage_of_lane;
    std::vector<ReducedDeepSeekV3> models(stages.size(), ReducedDeepSeekV3(c, kSeed));
    std::vector<AdamW> optimizers;
    std::vector<PipelineLane> lanes;
    optimizers.reserve(stages.size());
    for (size_t l = 0; l < stages.size(); ++l) {
      if (layout.stages > 1) {
        models[l].keep_stage(PipelineStage::of(c, layout.stages, stages[l]));
        models[l].options.pipeline = &directions[layout.copies == StageCopies::kTwoDirections ? l : 0];
      }
      models[l].keep_own_experts(placement, e);
      models[l].options.expert_parallelism = &experts;
      optimizers.emplace_back(AdamWConfig{}, models[l].weights);
      lanes.push_back({&models[l], &optimizers[l]});
    }
    std::vector<MicroBatch> micro_batches;  // expert rank e's own: two sequences of 5 and 4 tokens each
    for (int m = 0; m < kMicroBatches; ++m) {
      MicroBatch mb{{}, VarlenBatch::from_lengths({5, 4})};
      for (int i = 0; i < 9; ++i) mb.ids.push_back((5 * i + 13 * (e * kMicroBatches + m) + 1) % c.vocab_size);
      micro_batches.push_back(mb);
    }
    for (int step = 0; step < kSteps; ++step)
      results[w].losses.push_back(
          pipeline_parallel_training_step(lanes, layout.copies, micro_batches, layout.plan, 0.1, &experts).total_loss);
    for (ReducedDeepSeekV3& model : models) {
      results[w].weights.push_back(model.weights);
      model.options = RunOptions{};
    }
  });
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  return driver_main(argc, argv, "model_parallel_check", [](const DriverArgs& args) {
    if (!has_cuda_device()) {
      std::printf("SKIP: no CUDA device\n");
      return kSkipExitCode;
    }
    const ModelConfig c = load_model_config(args.at(0, "kernels/model/configs/reduced-deepseek-v3-tiny.json"));
    int devices = 0;
    cudaGetDeviceCount(&devices);
    int ranks = 1;
    while (ranks * 2 <= std::min(devices, 8) && c.n_routed_experts % (ranks * 2) == 0) ranks *= 2;
    const Runner on_threads = [](int n, const std::function<void(Communicator&)>& f) { run_ranks_on_threads(n, f); };
    const Runner on_gpus = [](int n, const std::function<void(Communicator&)>& f) { run_ranks_on_gpus(n, f); };
    int failures = 0;
    for (const PipelineLayout& layout : model_parallel_check_layouts()) {
      const int pipeline_ranks = int(layout.plan.size());
      if (pipeline_ranks > ranks || layout.stages > c.num_hidden_layers) continue;
      const int expert_ranks = ranks / pipeline_ranks;
      std::string outcome;
      try {
        const std::vector<RankResult> expected = train_grid(on_threads, c, layout, expert_ranks);
        const std::vector<RankResult> measured = train_grid(on_gpus, c, layout, expert_ranks);
        double worst_loss = 0, worst_weight = 0;
        for (size_t w = 0; w < measured.size(); ++w) {
          for (int s = 0; s < kSteps; ++s)
            worst_loss = std::max(worst_loss, std::abs(measured[w].losses[s] / expected[w].losses[s] - 1));
          for (size_t l = 0; l < measured[w].weights.size(); ++l)
            worst_weight =
                std::max(worst_weight, largest_relative_difference(measured[w].weights[l], expected[w].weights[l]));
        }
        const bool passed = worst_loss <= 1e-12 && worst_weight <= 1e-5;
        failures += !passed;
        char line[160];
        std::snprintf(line, sizeof line, "%s: losses within %.2e (bound 1e-12), weights within %.2e (bound 1e-5)",
                      passed ? "PASS" : "FAIL", worst_loss, worst_weight);
        outcome = line;
      } catch (const std::exception& e) {
        ++failures;
        outcome = std::string("FAIL: ") + e.what();
      }
      std::printf("%s x EP %d on %d GPU(s) over NCCL, against threads: %s\n", layout.name, expert_ranks,
                  pipeline_ranks * expert_ranks, outcome.c_str());
    }
    std::printf("%s: %d check(s) failed\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
  });
}
