// The shipped model presets (models/presets/*.json, compiled in): published HuggingFace configs by name.
#pragma once
#include <string>
#include <vector>

#include "core/error.h"
#include "models/model_config.h"

namespace trainsim::models {

std::vector<std::string> preset_names();  // sorted: "deepseek-v2", "deepseek-v2-lite", "deepseek-v3", ...
// Throws ConfigError (with a did-you-mean hint, at `where`) for an unknown name.
ModelConfig load_preset(const std::string& name, const trainsim::SourceLocation& where = {});
// Reads a HuggingFace config.json from disk; the model is named after its folder or file.
ModelConfig load_hf_config_file(const std::string& path, const trainsim::SourceLocation& where = {});

}  // namespace trainsim::models
