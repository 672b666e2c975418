// ParallelLayout: how a run is laid out. Parallel degrees, ZeRO stage, micro-batch, pipeline schedule,
// layer placement and recomputation. The product pp x tp x cp x dp is the GPU count; EP groups are drawn from
// the dp x tp x cp GPUs of one pipeline stage (Megatron-Core folds expert parallelism over data and context
// parallelism).
#pragma once
#include <vector>

#include "models/op_catalog.h"
#include "sim/scenario/pipeline_p2p.h"
#include "sim/schedules/schedule_kind.h"

namespace trainsim::sim {

struct ParallelLayout {
  int pp = 1;
  int virtual_stages = 1;  // interleaved 1F1B only
  int tp = 1;
  bool sequence_parallel = false;
  bool tp_comm_overlap = false;  // Megatron's --tp-comm-overlap (sim/step/comm_overlap.h); needs sequence parallelism
  // Context parallelism: each sequence split over cp GPUs (models::OpContext::cp). They hold the same weights, so
  // their gradients are reduced, and ZeRO shards them, over dp x cp GPUs (Megatron-Core's data-parallel group
  // with context parallelism).
  int cp = 1;
  models::CpComm cp_comm = models::CpComm::kRing;  // parallelism.cp_comm; Megatron-Core's default, p2p
  int ep = 1;
  // Megatron-Core's EP all-to-all overlap (--overlap-moe-expert-parallel-comm): the steady state's forward and
  // backward run as one F&B pair, one micro-batch's all-to-all under the other's compute, as DualPipe's chunks do.
  bool ep_overlap = false;
  // How the all-to-all moves tokens: per node (DeepEP, DeepSeek's path) or per expert (Megatron-Core's alltoall
  // dispatcher); parallelism.ep_dispatch (models/ep_traffic.h).
  models::EpDispatch ep_dispatch = models::EpDispatch::kPerNode;
  int dp = 1;
  int zero_stage = 1;
  int micro_batch_size = 1;  // sequences
  ScheduleKind schedule = ScheduleKind::kOneFOneB;
  models::Recompute recompute = models::Recompute::kNone;
  models::RecomputeModules recompute_modules;  // recompute: {modules: [...]}
  models::AttentionKernel attention_kernel = models::AttentionKernel::kFlash;
  models::CrossEntropyKernel cross_entropy_kernel = models::CrossEntropyKernel::kFused;
  models::ResidualAdd residual_add = models::ResidualAdd::kFused;
  std::vector<int> layers_per_stage;  // empty: balanced automatic placement
  // Megatron-Core's pipeline splits (transformer_config.py): the embedding and the loss each count as one
  // layer; or the first and last pipeline ranks hold these many layers (0: not set), the rest even.
  bool account_for_embedding_in_pipeline_split = false;
  bool account_for_loss_in_pipeline_split = false;
  int decoder_first_pipeline_num_layers = 0;
  int decoder_last_pipeline_num_layers = 0;
  // Gradient reduction in buckets overlapped with the last backward (Megatron --overlap-grad-reduce, PyTorch
  // DDP); false: all of it after the last backward. Bucket size in parameters; 0: Megatron-Core's default.
  bool dp_overlap = true;
  double dp_bucket_parameters = 0;
  // Megatron's --gradient-accumulation-fusion: each micro-batch's Wgrad GEMMs accumulate into the gradient
  // buffer. false: they write a fresh gradient that a separate kernel adds to it (PyTorch autograd's
  // AccumulateGrad under DDP's no_sync, Megatron-LM 2021's local DDP), once per micro-batch after the first.
  bool gradient_accumulation_fusion = true;
  PipelineP2p pipeline_p2p = PipelineP2p::kOverlapped;  // parallelism.pipeline_p2p (pipeline_p2p.h)

  int expert_data_parallel() const { return dp * tp * cp / ep; }
  // The GPUs holding the same non-expert weights: the gradients' reduction group and ZeRO's shards.
  int weight_replicas() const { return dp * cp; }
  // The GPUs of one stage replica that share each micro-batch: its TP and CP groups (GPUs = pp x this x dp).
  int model_parallel() const { return tp * cp; }
  // Pipeline stages the model is cut into: pp, pp x v when interleaved, 2 pp for DualPipeV's V.
  int stage_count() const;
  // Whether the schedule runs forwards and backwards of two micro-batches as F&B pairs: DualPipe and DualPipeV by
  // design, 1F1B and interleaved under ep_overlap. Their all-to-all kernels then hold comm SMs all along.
  bool pairs_forward_and_backward() const { return overlaps_forward_and_backward(schedule) || ep_overlap; }
  // Parameters per gradient bucket: dp_bucket_parameters, or Megatron-Core's max(40M, 1M x dp x cp).
  double dp_bucket() const;
};

}  // namespace trainsim::sim
