// ModelConfig from HuggingFace config.json fields: the table of fields trainsim reads, in every common spelling
// (num_experts / num_local_experts / n_routed_experts, GPT-2's n_embd / n_layer / n_head, ...), applied one by
// one (so a scenario's inline fields and overrides go through the same rules), and the JSON file loader, which
// classifies every other key (hf_config_keys.h) and leaves a note for those that may matter.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/model_config.h"

namespace trainsim::models {

// A config.json list of scalars (mlp_only_layers, layer_types), each item as its JSON text without quotes.
struct HfList {
  std::vector<std::string> items;
};

// One config.json value: null, integer, real, boolean, text or a list of scalars.
using HfValue = std::variant<std::monostate, long long, double, bool, std::string, HfList>;

// The fields trainsim understands (hidden_size, n_embd, num_hidden_layers, kv_lora_rank, num_experts, ...),
// including those it reads only to note what it does not model (sliding_window, swiglu_limit, clip_qkv).
const std::vector<std::string>& hf_field_names();

// Sets one field; returns "" on success, else what was expected ("a whole number >= 1"). Keys known to be
// irrelevant to cost (torch_dtype, rope_theta, ...) succeed and change nothing. Unknown fields return
// "unknown field"; the JSON loader notes them, a scenario rejects them.
std::string apply_hf_field(ModelConfig& config, std::string_view key, const HfValue& value);

// Fills what config.json leaves implicit (num_key_value_heads, head_dim, MLA when kv_lora_rank is set,
// Mixtral's expert fields, the biases and norms a model_type implies) and checks consistency, among it that
// routing fields come with experts. Adds the notes of what is not modelled. Returns the problems found, empty
// when valid. Safe to call again after overrides.
std::vector<std::string> finalize_model(ModelConfig& config);

// Parses config.json text; `source` names it in errors. Throws ConfigError (with line and column for
// syntax errors, and the key for bad values).
ModelConfig model_from_hf_json(const std::string& json_text, const std::string& source, const std::string& name);

}  // namespace trainsim::models
