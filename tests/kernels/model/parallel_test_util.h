// Shared by the multi-device tests (expert_data_parallel_step_test, pipeline_parallel_step_test): how far a rank's
// tensors lie from one device's.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/model/model_parameters.h"

namespace trainsim::kernels::testing {

// The largest |rank - one device| over the tensors the rank holds (another rank's experts and another stage's
// layers are empty there), relative to the largest |one device| over the same tensors.
inline double largest_relative_difference(const model::ModelWeights& rank, const model::ModelWeights& one_device) {
  double difference = 0, scale = 0;
  model::for_each_parameter(rank, one_device,
                            [&](const std::string&, int, const std::vector<double>& x, const std::vector<double>& y) {
                              if (x.empty()) return;
                              for (size_t i = 0; i < x.size(); ++i) {
                                difference = std::max(difference, std::abs(x[i] - y.at(i)));
                                scale = std::max(scale, std::abs(y[i]));
                              }
                            });
  return scale > 0 ? difference / scale : difference;
}

}  // namespace trainsim::kernels::testing
