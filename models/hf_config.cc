// HuggingFace field mapping. Field meanings follow transformers' DeepseekV3Config, LlamaConfig, Qwen2Config
// and MixtralConfig; Mixtral's num_local_experts and intermediate_size are its routed experts' width.
#include "models/hf_config.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/line_column.h"

namespace trainsim::models {
namespace {

using Setter = std::function<std::string(ModelConfig&, const HfValue&)>;

std::optional<long long> as_integer(const HfValue& v) {
  if (const long long* i = std::get_if<long long>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v); d && *d == static_cast<double>(static_cast<long long>(*d)))
    return static_cast<long long>(*d);
  return std::nullopt;
}

Setter int_field(int ModelConfig::*member, long long min) {
  return [member, min](ModelConfig& c, const HfValue& v) -> std::string {
    auto i = as_integer(v);
    if (!i || *i < min || *i > 100'000'000) return fmt::format("a whole number >= {}", min);
    c.*member = static_cast<int>(*i);
    return "";
  };
}

template <typename Group>
Setter nested_int(Group ModelConfig::*group, int Group::*member, long long min, bool null_is_zero = false) {
  return [=](ModelConfig& c, const HfValue& v) -> std::string {
    if (null_is_zero && std::holds_alternative<std::monostate>(v)) {
      (c.*group).*member = 0;
      return "";
    }
    auto i = as_integer(v);
    if (!i || *i < min || *i > 100'000'000) return fmt::format("a whole number >= {}", min);
    (c.*group).*member = static_cast<int>(*i);
    return "";
  };
}

Setter bool_field(bool ModelConfig::*member) {
  return [member](ModelConfig& c, const HfValue& v) -> std::string {
    const bool* b = std::get_if<bool>(&v);
    if (!b) return "true or false";
    c.*member = *b;
    return "";
  };
}

const std::map<std::string, Setter, std::less<>>& field_table() {
  static const std::map<std::string, Setter, std::less<>> table = {
      {"hidden_size", int_field(&ModelConfig::hidden_size, 1)},
      {"num_hidden_layers", int_field(&ModelConfig::num_layers, 1)},
      {"vocab_size", int_field(&ModelConfig::vocab_size, 1)},
      {"intermediate_size", int_field(&ModelConfig::intermediate_size, 1)},
      {"num_attention_heads", int_field(&ModelConfig::num_heads, 1)},
      {"num_key_value_heads", int_field(&ModelConfig::num_kv_heads, 1)},
      {"head_dim", int_field(&ModelConfig::head_dim, 1)},
      {"max_position_embeddings", int_field(&ModelConfig::max_position_embeddings, 1)},
      {"num_nextn_predict_layers", int_field(&ModelConfig::mtp_depth, 0)},
      {"tie_word_embeddings", bool_field(&ModelConfig::tie_word_embeddings)},
      {"attention_bias", bool_field(&ModelConfig::qkv_bias)},
      {"q_lora_rank", nested_int(&ModelConfig::mla, &MlaDims::q_lora_rank, 0, true)},
      {"kv_lora_rank", nested_int(&ModelConfig::mla, &MlaDims::kv_lora_rank, 1)},
      {"qk_nope_head_dim", nested_int(&ModelConfig::mla, &MlaDims::qk_nope_head_dim, 1)},
      {"qk_rope_head_dim", nested_int(&ModelConfig::mla, &MlaDims::qk_rope_head_dim, 1)},
      {"v_head_dim", nested_int(&ModelConfig::mla, &MlaDims::v_head_dim, 1)},
      {"n_routed_experts", nested_int(&ModelConfig::moe, &MoeDims::routed_experts, 0, true)},
      {"num_local_experts", nested_int(&ModelConfig::moe, &MoeDims::routed_experts, 0)},
      {"n_shared_experts", nested_int(&ModelConfig::moe, &MoeDims::shared_experts, 0, true)},
      {"moe_intermediate_size", nested_int(&ModelConfig::moe, &MoeDims::expert_intermediate_size, 1)},
      {"num_experts_per_tok", nested_int(&ModelConfig::moe, &MoeDims::experts_per_token, 1)},
      {"first_k_dense_replace", nested_int(&ModelConfig::moe, &MoeDims::first_dense_layers, 0)},
      {"moe_layer_freq", nested_int(&ModelConfig::moe, &MoeDims::moe_layer_frequency, 1)},
      {"n_group", nested_int(&ModelConfig::moe, &MoeDims::expert_groups, 1, false)},
      {"topk_group", nested_int(&ModelConfig::moe, &MoeDims::groups_per_token, 1, false)},
      {"routed_scaling_factor",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const double* d = std::get_if<double>(&v);
         auto i = as_integer(v);
         if (!d && !i) return "a number";
         c.moe.routed_scaling_factor = d ? *d : static_cast<double>(*i);
         return c.moe.routed_scaling_factor > 0 ? "" : "a positive number";
       }},
      {"scoring_func",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const std::string* s = std::get_if<std::string>(&v);
         if (!s || (*s != "sigmoid" && *s != "softmax")) return "\"sigmoid\" or \"softmax\"";
         c.moe.scoring = *s == "sigmoid" ? RouterScoring::kSigmoid : RouterScoring::kSoftmax;
         return "";
       }},
      {"model_type",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const std::string* s = std::get_if<std::string>(&v);
         if (!s) return "a text value";
         if (*s == "qwen2") c.qkv_bias = true;  // Qwen2 always has a QKV bias; it is not a config key
         return "";
       }},
  };
  return table;
}

HfValue from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::monostate{};
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<long long>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return std::string("<structured value>");
}


}  // namespace

const std::vector<std::string>& hf_field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, setter] : field_table()) out.push_back(name);
    return out;
  }();
  return names;
}

std::string apply_hf_field(ModelConfig& config, std::string_view key, const HfValue& value) {
  auto it = field_table().find(key);
  if (it == field_table().end()) return "unknown field";
  return it->second(config, value);
}

std::vector<std::string> finalize_model(ModelConfig& c) {
  std::vector<std::string> problems;
  for (auto [value, field] : {std::pair{c.hidden_size, "hidden_size"}, {c.num_layers, "num_hidden_layers"},
                              {c.vocab_size, "vocab_size"}, {c.num_heads, "num_attention_heads"}}) {
    if (value <= 0) problems.push_back(fmt::format("{} is missing or not positive", field));
  }
  if (!problems.empty()) return problems;
  if (c.num_kv_heads == 0) c.num_kv_heads = c.num_heads;
  if (c.head_dim == 0) c.head_dim = c.hidden_size / c.num_heads;
  if (c.mla.kv_lora_rank > 0) {
    c.attention = AttentionKind::kMultiHeadLatent;
    if (c.mla.qk_nope_head_dim <= 0 || c.mla.qk_rope_head_dim <= 0 || c.mla.v_head_dim <= 0)
      problems.push_back("MLA (kv_lora_rank set) needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim");
  }
  if (c.num_heads % c.num_kv_heads != 0)
    problems.push_back(fmt::format("num_attention_heads {} is not a multiple of num_key_value_heads {}", c.num_heads,
                                   c.num_kv_heads));
  if (c.is_moe()) {
    // Mixtral: no moe_intermediate_size; its intermediate_size is the expert width and every layer is MoE.
    if (c.moe.expert_intermediate_size == 0) c.moe.expert_intermediate_size = c.intermediate_size;
    if (c.moe.experts_per_token == 0 || c.moe.experts_per_token > c.moe.routed_experts)
      problems.push_back(fmt::format("num_experts_per_tok {} must be between 1 and the {} routed experts",
                                     c.moe.experts_per_token, c.moe.routed_experts));
    if (c.moe.routed_experts % c.moe.expert_groups != 0)
      problems.push_back(fmt::format("n_group {} does not divide the {} routed experts", c.moe.expert_groups,
                                     c.moe.routed_experts));
    if (c.moe.groups_per_token > c.moe.expert_groups)
      problems.push_back(fmt::format("topk_group {} exceeds n_group {}", c.moe.groups_per_token, c.moe.expert_groups));
  }
  if (c.intermediate_size <= 0 && c.moe_layer_count() < c.num_layers)
    problems.push_back("intermediate_size is missing: the model has dense layers");
  return problems;
}

ModelConfig model_from_hf_json(const std::string& json_text, const std::string& source, const std::string& name) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, column] = line_column(json_text, e.byte > 0 ? e.byte - 1 : 0);
    throw ConfigError(SourceLocation{source, line, column, ""}, "not valid JSON", "a HuggingFace config.json");
  }
  if (!root.is_object()) throw ConfigError(SourceLocation{source, 1, 1, ""}, "is not a JSON object", "a config.json");
  ModelConfig config;
  config.name = name;
  for (const auto& [key, value] : root.items()) {
    const std::string problem = apply_hf_field(config, key, from_json(value));
    if (!problem.empty() && problem != "unknown field")
      throw ConfigError(SourceLocation{source, 0, 0, key}, fmt::format("bad value {}", value.dump()), problem);
  }
  std::vector<std::string> problems = finalize_model(config);
  if (!problems.empty()) throw ConfigError(SourceLocation{source, 0, 0, ""}, problems.front());
  return config;
}

}  // namespace trainsim::models
