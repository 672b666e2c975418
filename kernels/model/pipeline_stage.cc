// The stages' split of the layers (pipeline_stage.h).
#include "kernels/model/pipeline_stage.h"

#include <stdexcept>
#include <string>

namespace trainsim::kernels::model {

PipelineStage PipelineStage::whole(const ModelConfig& c) { return PipelineStage{0, 1, 0, c.num_hidden_layers}; }

PipelineStage PipelineStage::of(const ModelConfig& c, int stages, int stage) {
  const int layers = c.num_hidden_layers;
  if (stages < 1 || stages > layers || stage < 0 || stage >= stages)
    throw std::invalid_argument("pipeline stage " + std::to_string(stage) + " of " + std::to_string(stages) +
                                ": a model of " + std::to_string(layers) + " layers has 1 to " +
                                std::to_string(layers) + " stages, each a layer at least");
  const int base = layers / stages, longer = layers % stages;
  const int first = stage * base + (stage < longer ? stage : longer);
  return PipelineStage{stage, stages, first, first + base + (stage < longer ? 1 : 0)};
}

}  // namespace trainsim::kernels::model
