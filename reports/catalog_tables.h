// The tables of `trainsim models` and `trainsim gpus`: the presets with their key figures and the GPU
// catalog, as text or JSON.
#pragma once
#include <string>

namespace trainsim::reports {

std::string format_model_table(int sequence_length);
std::string format_model_json(int sequence_length);
std::string format_gpu_table();
std::string format_gpu_json();

}  // namespace trainsim::reports
