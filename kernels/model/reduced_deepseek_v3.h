// The reduced DeepSeek-V3 on the CPU (FP64): embedding, num_hidden_layers pre-norm blocks (dense first, then
// MoE), final RMSNorm and output head, plus the MTP module; loss = L_main + lambda / D * sum_k L_MTP^k (arXiv
// 2412.19437, section 2.2, eq. 25) + each MoE block's sequence-wise balance loss (2.1.2), and its backward pass.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/compute_backend.h"
#include "kernels/model/deferred_weight_gradients.h"
#include "kernels/model/expert_parallel_moe.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/model_parameters.h"
#include "kernels/model/op_timer.h"
#include "kernels/model/pipeline_stage.h"

namespace trainsim::kernels::model {

// lambda, the MTP loss weight: 0.3 for DeepSeek-V3's first 10T training tokens (arXiv 2412.19437, section 4.2;
// 0.1 for the remaining 4.8T; docs/sources.md#reduced-deepseek-v3).
inline constexpr double kMtpLossWeight = 0.3;

// How the model runs, apart from what it is (ModelConfig): the precision of its linear layers' GEMMs (MLA's
// projections, the dense and expert MLPs, the MTP projection). The embedding, output head, router, norms and
// attention core stay FP64: DeepSeek-V3 keeps those in BF16/FP32 (arXiv 2412.19437, section 3.3.1).
struct RunOptions {
  GemmPrecision gemm_precision = GemmPrecision::kFP64;
  // Receives each op's time in forward() and backward() (op_timer.h); nullptr (the default) times nothing.
  OpTimer* op_timer = nullptr;
  // Where forward() and backward() run their GEMMs and attention core (compute_backend.h); nullptr (the default):
  // the CPU references. Not owned.
  ComputeBackend* backend = nullptr;
  // DeepSeek-V3's recomputation: the RMSNorms (the blocks' and MLA's latent ones) and MLA's up-projections
  // (arXiv 2412.19437, section 3.2.3), and the SwiGLU activations of the dense MLPs and the experts (section 3.3.3:
  // its input is kept, its output recomputed), run again in backward instead of keeping their outputs
  // (BlockCache::deepseek_recomputation, MlaCache::recompute_norms_and_up, SwigluCache::output_dropped). Off:
  // everything is kept. The simulator's `recompute: deepseek` re-runs the same (models/recompute.h).
  bool deepseek_recomputation = false;
  // The group of ranks the MoE blocks run expert parallel over (expert_parallel_moe.h), each rank a model of its own
  // holding its experts (ReducedDeepSeekV3::keep_own_experts) and its own tokens; nullptr (the default): one device.
  // Not owned.
  const ExpertParallelism* expert_parallelism = nullptr;
  // The group of stages the model runs pipeline parallel in (pipeline_stage.h), each rank a model of its own holding
  // its stage (ReducedDeepSeekV3::keep_stage); forward() and backward() receive their input from the stage before or
  // after and send their output on. nullptr (the default): one stage, the whole model. Not owned.
  const PipelineParallelism* pipeline = nullptr;
};

// What backward() does with the gradient buffer: clear it first (a step's first or only micro-batch), or add to it
// (gradient accumulation over a step's micro-batches).
enum class GradientBuffer { kZeroFirst, kAccumulate };

// Whether backward() computes the linear layers' weight gradients (a whole backward, B) or keeps their GEMMs for
// backward_weights() (the backward for the inputs, Bi, of ZB1P's and DualPipe's split: deferred_weight_gradients.h).
enum class WeightGradients { kWithInputs, kDeferred };

struct LossReport {
  double main_loss = 0;     // mean next-token cross-entropy, nats
  double mtp_loss = 0;      // mean over the MTP depths of their cross-entropies (0 without MTP)
  double balance_loss = 0;  // sum over the MoE blocks (main and MTP) of their sequence-wise balance losses
  double total_loss = 0;    // main_loss + kMtpLossWeight * mtp_loss + balance_loss
};

class ReducedDeepSeekV3 {
 public:
  ReducedDeepSeekV3(const ModelConfig& config, unsigned long long seed);

  const ModelConfig& config() const { return config_; }

  // Losses over the packed sequences of `batch` (ids: one token id per row); keeps what backward() needs, under
  // `micro_batch` (a step's micro-batches in flight at once each keep theirs, as a pipeline's stages hold them). On a
  // pipeline stage (keep_stage) the stage's part: the first embeds the ids, the others receive the stage before's
  // output; all but the last send theirs on. A stage returns its share of the losses (the last the cross-entropies,
  // every stage its MoE blocks' balance losses): the stages' reports sum to the model's. Every stage takes the
  // micro-batch's ids (the last stage's targets and MTP inputs are those tokens).
  LossReport forward(std::span<const int> ids, const VarlenBatch& batch, int micro_batch = 0);
  // Gradients of micro-batch `micro_batch`'s total_loss with respect to every parameter the model holds, in its
  // gradient buffer: zeroed first (an op of its own, `gradient_zeroing`, of the optimizer's kind: the simulator
  // prices the zeroing with the optimizer step, sim/step/data_parallel.h) unless `buffer` says to accumulate. Valid
  // until the next backward. On a pipeline stage: all but the last receive the gradient of their output from the
  // stage after; all but the first send their input's gradient back.
  // With WeightGradients::kDeferred, the Wgrad GEMMs are kept until backward_weights(micro_batch) runs them.
  const ModelWeights& backward(int micro_batch = 0, GradientBuffer buffer = GradientBuffer::kZeroFirst,
                               WeightGradients weight_gradients = WeightGradients::kWithInputs);
  // The weight gradients micro-batch `micro_batch`'s deferred backward kept (ZB1P's and DualPipe's W), added into
  // the gradient buffer: then it holds what a whole backward would have, bit for bit.
  void backward_weights(int micro_batch);
  // The gradient buffer backward() fills, for a step that reduces it over ranks before the optimizer reads it.
  ModelWeights& gradient_buffer() { return grads_; }

  // The MoE blocks in a fixed order (main MoE layers, then the MTP modules'): their count, whether this stage holds
  // one, and the experts each chose in micro-batch `micro_batch`'s last forward ([tokens][top_k]).
  int moe_block_count() const { return int(expert_bias.size()); }
  bool holds_moe_block(int moe_block) const;
  const std::vector<int>& last_expert_ids(int moe_block, int micro_batch = 0) const;
  // Bytes the blocks' caches (main and MTP) hold from the last forward of what recomputation concerns: the MLA
  // caches, the RMSNorm outputs, the FFNs' copies of them and the SwiGLU outputs (recomputed_outputs_cached_bytes of
  // each block).
  size_t recomputed_outputs_cached_bytes() const;

  // Drops the routed experts that `placement` puts on other ranks than `rank` (their weights and gradient slots
  // become empty): what one rank of an expert-parallel group holds. Build the optimizer after it. The model then
  // runs only with options.expert_parallelism set to that placement.
  void keep_own_experts(const ExpertPlacement& placement, int rank);
  // Drops what `stage` does not hold (other stages' layers; the embedding unless the stage is the first or, for the
  // MTP modules, the last; the head, final norm and MTP modules unless it is the last): what one rank of a pipeline
  // holds. Build the optimizer after it. The model then runs only with options.pipeline set to the stages' group.
  void keep_stage(const PipelineStage& stage);
  const PipelineStage& stage() const { return stage_; }

  ModelWeights weights;
  RunOptions options;
  // The aux-loss-free balancing bias of each MoE block ([n_routed_experts]; starts at 0): selection only.
  std::vector<std::vector<double>> expert_bias;

 private:
  std::span<const double> bias_of(int layer) const;
  SharedHead shared_head() const { return SharedHead{weights.embed, weights.head}; }

  ModelConfig config_;
  std::span<const double> mtp_bias(int depth_index) const;  // empty for a dense MTP block

  // One micro-batch's forward: its inputs and the activations its backward reads (layers outside the stage: empty).
  struct Activations {
    std::vector<int> ids;
    VarlenBatch batch;
    std::vector<BlockCache> layer_caches;
    std::vector<double> h_main, final_in;
    CrossEntropyResult main_ce;
    std::vector<MtpCache> mtp_caches;
  };
  const Activations& activations(int micro_batch) const;
  // The pipeline's group; throws unless the model is one stage or options.pipeline names a group that runs this
  // stage on this rank.
  const PipelineParallelism* pipeline_group() const;

  int first_mtp_moe_block_ = 0;  // expert_bias index of the first MTP depth's MoE (one per depth after it)
  PipelineStage stage_;
  std::vector<Activations> micro_batches_;         // [micro_batch]: the last forward of each
  std::vector<DeferredWeightGradients> deferred_;  // [micro_batch]: what its deferred backward kept for its W
  ModelWeights grads_;  // the gradient buffer, kept from step to step as frameworks keep theirs
};

}  // namespace trainsim::kernels::model
