// Which part of the reduced model one rank holds when the model runs pipeline parallel, and the group it runs in.
// A stage holds a contiguous run of the main model's layers; the first stage also the embedding, the last the final
// norm, the output head, the MTP modules and the losses (DeepSeek-V3 places its MTP module after the last layer,
// arXiv 2412.19437, section 2.2). The MTP modules share the embedding with the first stage, so the last stage holds
// a copy of it and the two stages' embedding gradients are summed before the optimizer, as Megatron-LM sums a tied
// embedding's over its "embedding group" (DualPipe and DualPipeV sum them on one rank, which holds the first stage
// and the last: arXiv 2412.19437, section 2.2's "physical sharing").
#pragma once
#include <vector>

#include "kernels/model/communicator.h"
#include "kernels/model/model_config.h"

namespace trainsim::kernels::model {

struct PipelineStage {
  int stage = 0;
  int stages = 1;
  int first_layer = 0;  // the main model's layers [first_layer, end_layer)
  int end_layer = 0;

  bool holds_embedding() const { return stage == 0; }
  // The final norm, the output head, the MTP modules and the losses.
  bool holds_head() const { return stage == stages - 1; }
  bool holds_layer(int layer) const { return layer >= first_layer && layer < end_layer; }
  bool is_whole() const { return stages == 1; }

  // One stage holding the whole model.
  static PipelineStage whole(const ModelConfig& c);
  // Stage `stage` of `stages`: the layers split into contiguous runs as evenly as they go, the first
  // num_hidden_layers % stages stages a layer more (the last stage also holds the head and the MTP modules). Throws
  // std::invalid_argument unless 1 <= stages <= num_hidden_layers and 0 <= stage < stages.
  static PipelineStage of(const ModelConfig& c, int stages, int stage);
};

// The group a model's stages run in: its communicator and, per stage, the rank it runs on (empty: stage s on rank
// s). A rank may hold more than one stage (interleaved 1F1B's virtual stages, DualPipeV's V) and a stage may run on
// two ranks (DualPipe's two directions, a group each): sim/schedules/pipeline_schedule.h's stage maps
// (PipelineSchedule::slot_of) give the ranks.
struct PipelineParallelism {
  Communicator* communicator = nullptr;  // not owned
  std::vector<int> rank_of_stage;

  int rank_of(int stage) const { return rank_of_stage.empty() ? stage : rank_of_stage.at(stage); }
};

}  // namespace trainsim::kernels::model
