// ModelConfig from HuggingFace config.json fields: the table of fields trainsim reads, applied one by one
// (so a scenario's inline fields and overrides go through the same rules), and the JSON file loader.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/model_config.h"

namespace trainsim::models {

// One config.json value: null, integer, real, boolean or text.
using HfValue = std::variant<std::monostate, long long, double, bool, std::string>;

// The fields trainsim understands (hidden_size, num_hidden_layers, kv_lora_rank, n_routed_experts, ...).
const std::vector<std::string>& hf_field_names();

// Sets one field; returns "" on success, else what was expected ("a whole number >= 1").
// Unknown fields return "unknown field"; the JSON loader skips them, a scenario rejects them.
std::string apply_hf_field(ModelConfig& config, std::string_view key, const HfValue& value);

// Fills what config.json leaves implicit (num_key_value_heads, head_dim, MLA when kv_lora_rank is set,
// Mixtral's expert fields) and checks consistency. Returns the problems found, empty when valid.
std::vector<std::string> finalize_model(ModelConfig& config);

// Parses config.json text; `source` names it in errors. Throws ConfigError (with line and column for
// syntax errors, and the key for bad values).
ModelConfig model_from_hf_json(const std::string& json_text, const std::string& source, const std::string& name);

}  // namespace trainsim::models
