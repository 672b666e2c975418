// HuggingFace field mapping. Field meanings follow transformers' DeepseekV3Config, LlamaConfig, Qwen2Config,
// Qwen2MoeConfig, Qwen3MoeConfig, OlmoeConfig, MixtralConfig, GPT2Config and GptOssConfig and their modeling
// files (which biases and norms each family has). Mixtral's, OLMoE's and GPT-OSS's intermediate_size is their
// routed experts' width.
#include "models/hf_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/line_column.h"
#include "models/hf_config_keys.h"

namespace trainsim::models {
namespace {

using Setter = std::function<std::string(ModelConfig&, const HfValue&)>;

void add_note(ModelConfig& c, const std::string& note) {
  if (std::find(c.notes.begin(), c.notes.end(), note) == c.notes.end()) c.notes.push_back(note);
}

std::optional<long long> as_integer(const HfValue& v) {
  if (const long long* i = std::get_if<long long>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v); d && *d == static_cast<double>(static_cast<long long>(*d)))
    return static_cast<long long>(*d);
  return std::nullopt;
}

std::optional<double> as_number(const HfValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const long long* i = std::get_if<long long>(&v)) return static_cast<double>(*i);
  return std::nullopt;
}

bool is_null(const HfValue& v) { return std::holds_alternative<std::monostate>(v); }

Setter int_field(int ModelConfig::*member, long long min, bool null_is_zero = false) {
  return [member, min, null_is_zero](ModelConfig& c, const HfValue& v) -> std::string {
    if (null_is_zero && is_null(v)) {
      c.*member = 0;
      return "";
    }
    auto i = as_integer(v);
    if (!i || *i < min || *i > 100'000'000) return fmt::format("a whole number >= {}", min);
    c.*member = static_cast<int>(*i);
    return "";
  };
}

template <typename Group>
Setter nested_int(Group ModelConfig::*group, int Group::*member, long long min, bool null_is_zero = false) {
  return [=](ModelConfig& c, const HfValue& v) -> std::string {
    if (null_is_zero && is_null(v)) {
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

template <typename Group>
Setter nested_bool(Group ModelConfig::*group, bool Group::*member) {
  return [=](ModelConfig& c, const HfValue& v) -> std::string {
    const bool* b = std::get_if<bool>(&v);
    if (!b) return "true or false";
    (c.*group).*member = *b;
    return "";
  };
}

// A dropout probability: a number from 0 up to, not including, 1 (null: 0, no dropout).
Setter probability_field(double ModelConfig::*member) {
  return [member](ModelConfig& c, const HfValue& v) -> std::string {
    if (is_null(v)) {
      c.*member = 0;
      return "";
    }
    auto p = as_number(v);
    if (!p || !(*p >= 0 && *p < 1)) return "a probability from 0 up to 1 (not included)";
    c.*member = *p;
    return "";
  };
}

// A MoE routing field (experts per token, expert width, shared experts): remembers the first key that set one,
// so that a config with routing but no experts is an error naming that key (finalize_model).
Setter routing(const std::string& key, Setter setter) {
  return [key, setter](ModelConfig& c, const HfValue& v) -> std::string {
    std::string problem = setter(c, v);
    if (problem.empty() && c.moe.routing_key.empty() && as_integer(v).value_or(0) > 0) c.moe.routing_key = key;
    return problem;
  };
}

// hidden_act / activation_function / hidden_activation. HuggingFace's decoder MLPs are gated (SwiGLU) for the
// silu families and plain (two matrices) for gelu and relu ones; Gemma's gated gelu is settled in finalize.
std::string set_activation(ModelConfig& c, const HfValue& v) {
  const std::string* s = std::get_if<std::string>(&v);
  if (!s) return "an activation name";
  const std::string& a = *s;
  if (a == "silu" || a == "swish" || a.find("glu") != std::string::npos) {
    c.mlp = a.starts_with("ge") ? MlpKind::kGeGlu : MlpKind::kSwiGlu;
  } else if (a.find("gelu") != std::string::npos) {
    c.mlp = MlpKind::kGelu;
  } else if (a.starts_with("relu")) {
    c.mlp = MlpKind::kRelu;
  } else {
    return "silu, swiglu, gelu, gelu_new, gelu_pytorch_tanh or relu";
  }
  return "";
}

// A key read only to say what is not modelled: any value but null and false leaves `note` (with {} the value).
Setter noted(std::string note) {
  return [note](ModelConfig& c, const HfValue& v) -> std::string {
    if (const bool* b = std::get_if<bool>(&v); is_null(v) || (b && !*b)) return "";
    std::string text;
    if (auto n = as_number(v)) text = fmt::format("{}", *n);
    if (const std::string* s = std::get_if<std::string>(&v)) text = *s;
    if (std::holds_alternative<bool>(v)) text = "true";
    add_note(c, fmt::vformat(note, fmt::make_format_args(text)));
    return "";
  };
}

const std::map<std::string, Setter, std::less<>>& field_table() {
  static const std::map<std::string, Setter, std::less<>> table = {
      // Sizes, with GPT-2's spellings.
      {"hidden_size", int_field(&ModelConfig::hidden_size, 1)},
      {"n_embd", int_field(&ModelConfig::hidden_size, 1)},
      {"num_hidden_layers", int_field(&ModelConfig::num_layers, 1)},
      {"n_layer", int_field(&ModelConfig::num_layers, 1)},
      {"vocab_size", int_field(&ModelConfig::vocab_size, 1)},
      {"intermediate_size", int_field(&ModelConfig::intermediate_size, 1)},
      {"n_inner", int_field(&ModelConfig::intermediate_size, 1, true)},  // null: 4 x n_embd (finalize)
      {"num_attention_heads", int_field(&ModelConfig::num_heads, 1)},
      {"n_head", int_field(&ModelConfig::num_heads, 1)},
      {"num_key_value_heads", int_field(&ModelConfig::num_kv_heads, 1)},
      {"head_dim", int_field(&ModelConfig::head_dim, 1)},
      {"max_position_embeddings", int_field(&ModelConfig::max_position_embeddings, 1)},
      {"n_positions", int_field(&ModelConfig::max_position_embeddings, 1)},
      {"num_nextn_predict_layers", int_field(&ModelConfig::mtp_depth, 0)},
      {"tie_word_embeddings", bool_field(&ModelConfig::tie_word_embeddings)},
      // Llama, GPT-OSS: attention_bias puts a bias on q, k, v and o (Qwen2's q/k/v-only bias: model_type).
      {"attention_bias",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const bool* b = std::get_if<bool>(&v);
         if (!b) return "true or false";
         c.qkv_bias = c.attention_output_bias = *b;
         return "";
       }},
      {"mlp_bias", bool_field(&ModelConfig::mlp_bias)},
      // Dropout: on the attention probabilities, on each block's output before the residual add, on the
      // embeddings (GPT-2's attn_pdrop, resid_pdrop, embd_pdrop; Megatron's attention_dropout, hidden_dropout).
      {"attention_dropout", probability_field(&ModelConfig::attention_dropout)},
      {"attn_pdrop", probability_field(&ModelConfig::attention_dropout)},
      {"hidden_dropout", probability_field(&ModelConfig::hidden_dropout)},
      {"resid_pdrop", probability_field(&ModelConfig::hidden_dropout)},
      {"embd_pdrop", probability_field(&ModelConfig::embedding_dropout)},
      {"hidden_act", set_activation},
      {"activation_function", set_activation},
      {"hidden_activation", set_activation},
      // Multi-head latent attention.
      {"q_lora_rank", nested_int(&ModelConfig::mla, &MlaDims::q_lora_rank, 0, true)},
      {"kv_lora_rank", nested_int(&ModelConfig::mla, &MlaDims::kv_lora_rank, 1)},
      {"qk_nope_head_dim", nested_int(&ModelConfig::mla, &MlaDims::qk_nope_head_dim, 1)},
      {"qk_rope_head_dim", nested_int(&ModelConfig::mla, &MlaDims::qk_rope_head_dim, 1)},
      {"v_head_dim", nested_int(&ModelConfig::mla, &MlaDims::v_head_dim, 1)},
      // Experts: DeepSeek, Mixtral / GPT-OSS, Qwen-MoE / OLMoE spellings (and DeepSeek's num_routed_experts).
      {"n_routed_experts", nested_int(&ModelConfig::moe, &MoeDims::routed_experts, 0, true)},
      {"num_local_experts", nested_int(&ModelConfig::moe, &MoeDims::routed_experts, 0, true)},
      {"num_experts", nested_int(&ModelConfig::moe, &MoeDims::routed_experts, 0, true)},
      {"num_routed_experts", nested_int(&ModelConfig::moe, &MoeDims::routed_experts, 0, true)},
      {"n_shared_experts", routing("n_shared_experts", nested_int(&ModelConfig::moe, &MoeDims::shared_experts, 0, true))},
      {"num_shared_experts",
       routing("num_shared_experts", nested_int(&ModelConfig::moe, &MoeDims::shared_experts, 0, true))},
      {"shared_expert_intermediate_size",
       routing("shared_expert_intermediate_size",
               nested_int(&ModelConfig::moe, &MoeDims::shared_intermediate_size, 0, true))},
      {"moe_intermediate_size",
       routing("moe_intermediate_size", nested_int(&ModelConfig::moe, &MoeDims::expert_intermediate_size, 1, true))},
      {"num_experts_per_tok",
       routing("num_experts_per_tok", nested_int(&ModelConfig::moe, &MoeDims::experts_per_token, 1, true))},
      {"num_experts_per_token",
       routing("num_experts_per_token", nested_int(&ModelConfig::moe, &MoeDims::experts_per_token, 1, true))},
      {"experts_per_token",
       routing("experts_per_token", nested_int(&ModelConfig::moe, &MoeDims::experts_per_token, 1, true))},
      // top_k is also the sampling default old configs carry ("top_k": 50): experts per token only when no other
      // spelling gave them, and dropped by finalize when the model has no experts.
      {"top_k",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         auto i = as_integer(v);
         if (!is_null(v) && (!i || *i < 0)) return "a whole number >= 0";
         if (c.moe.experts_per_token == 0 && i) c.moe.experts_per_token = static_cast<int>(*i);
         return "";
       }},
      {"first_k_dense_replace", nested_int(&ModelConfig::moe, &MoeDims::first_dense_layers, 0)},
      {"moe_layer_freq", nested_int(&ModelConfig::moe, &MoeDims::moe_layer_frequency, 1)},
      {"decoder_sparse_step", nested_int(&ModelConfig::moe, &MoeDims::sparse_step, 1)},
      {"mlp_only_layers",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const HfList* list = std::get_if<HfList>(&v);
         if (!list) return "a list of layer indices";
         c.moe.dense_layers.clear();
         for (const std::string& item : list->items) {
           if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 8)
             return "a list of layer indices";
           c.moe.dense_layers.push_back(std::stoi(item));
         }
         return "";
       }},
      {"n_group", nested_int(&ModelConfig::moe, &MoeDims::expert_groups, 1, false)},
      {"topk_group", nested_int(&ModelConfig::moe, &MoeDims::groups_per_token, 1, false)},
      {"norm_topk_prob", nested_bool(&ModelConfig::moe, &MoeDims::normalize_top_k)},
      {"routed_scaling_factor",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         auto d = as_number(v);
         if (!d) return "a number";
         c.moe.routed_scaling_factor = *d;
         return c.moe.routed_scaling_factor > 0 ? "" : "a positive number";
       }},
      {"aux_loss_alpha",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         auto d = as_number(v);
         if (!d || *d < 0) return "a number >= 0";
         c.moe.aux_loss_alpha = *d;
         return "";
       }},
      {"output_router_logits", nested_bool(&ModelConfig::moe, &MoeDims::output_router_logits)},
      {"scoring_func",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const std::string* s = std::get_if<std::string>(&v);
         if (!s || (*s != "sigmoid" && *s != "softmax")) return "\"sigmoid\" or \"softmax\"";
         c.moe.scoring = *s == "sigmoid" ? RouterScoring::kSigmoid : RouterScoring::kSoftmax;
         return "";
       }},
      // Read to say what is not modelled (the notes themselves are written in finalize_model or here).
      {"sliding_window", int_field(&ModelConfig::sliding_window, 1, true)},
      {"use_sliding_window",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const bool* b = std::get_if<bool>(&v);
         if (!b) return "true or false";
         if (!*b) c.sliding_window_layers = 0;
         return "";
       }},
      {"layer_types",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const HfList* list = std::get_if<HfList>(&v);
         if (!list) return "a list of layer types";
         if (c.sliding_window_layers != 0)
           c.sliding_window_layers = static_cast<int>(std::count(list->items.begin(), list->items.end(), "sliding_attention"));
         return "";
       }},
      {"swiglu_limit", noted("swiglu_limit {}: the clamp of the SwiGLU inputs is not modelled (a few element-wise "
                             "operations per value; no effect on parameters or GEMMs)")},
      {"clip_qkv", noted("clip_qkv {}: the clamp of q, k and v is not modelled (element-wise; no effect on "
                         "parameters or GEMMs)")},
      {"qk_layernorm", noted("qk_layernorm {}: the query/key norms are not counted (a few parameters per head; "
                             "element-wise work)")},
      {"use_qk_norm", noted("use_qk_norm {}: the query/key norms are not counted (a few parameters per head; "
                            "element-wise work)")},
      {"qk_norm", noted("qk_norm {}: the query/key norms are not counted (a few parameters per head; "
                        "element-wise work)")},
      {"model_type",
       [](ModelConfig& c, const HfValue& v) -> std::string {
         const std::string* s = std::get_if<std::string>(&v);
         if (!s) return "a text value";
         c.model_type = *s;
         // GPT2Config keeps PretrainedConfig's tied embeddings; an explicit tie_word_embeddings (applied after
         // model_type in a config.json's sorted keys) still wins.
         if (*s == "gpt2") c.tie_word_embeddings = true;
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
  if (j.is_array() && std::all_of(j.begin(), j.end(), [](const nlohmann::json& item) { return item.is_primitive(); })) {
    HfList list;
    for (const nlohmann::json& item : j) list.items.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    return list;
  }
  return std::string("<structured value>");
}

// What a model_type implies that no key states (transformers' modeling files).
void apply_family_layout(ModelConfig& c) {
  const std::string& t = c.model_type;
  if (t == "qwen2" || t == "qwen2_moe") c.qkv_bias = true;  // q/k/v bias always, o_proj none
  if (t == "qwen3" || t == "qwen3_moe") c.qk_norm = QkNorm::kPerHead;
  if (t == "olmoe" || t == "olmo2") c.qk_norm = QkNorm::kWholeProjection;
  if (t.starts_with("gemma") && c.mlp == MlpKind::kGelu) c.mlp = MlpKind::kGeGlu;  // GemmaMLP is gated
  if (t == "gpt_oss") {
    c.attention_sinks = true;
    c.mlp_bias = true;  // router and experts carry biases
  }
  if (t == "gpt2") {
    // GPT2Block: LayerNorms with bias, Conv1D projections with bias, learned positions, a plain MLP
    // (n_inner, default 4 x n_embd).
    c.layer_norm = c.qkv_bias = c.attention_output_bias = c.mlp_bias = true;
    if (is_gated(c.mlp)) c.mlp = MlpKind::kGelu;
    if (c.intermediate_size == 0) c.intermediate_size = 4 * c.hidden_size;
    c.learned_positions = c.max_position_embeddings;
  }
}

void add_unmodelled_notes(ModelConfig& c) {
  // Worded from the layer count, which an override may have changed since the last call.
  std::erase_if(c.notes, [](const std::string& note) { return note.starts_with("sliding_window "); });
  const int sliding_layers = c.sliding_window_layers < 0 ? c.num_layers : c.sliding_window_layers;
  if (c.sliding_window > 0 && sliding_layers > 0)
    add_note(c, fmt::format("sliding_window {}: {} of {} layers attend to the last {} tokens only; every layer's "
                            "attention is priced at the one window that gives the mean FLOPs over the layers "
                            "(models/attention_window.h), and the inference KV cache is counted in full",
                            c.sliding_window, sliding_layers, c.num_layers, c.sliding_window));
  if (c.attention_sinks)
    add_note(c, "attention sinks (one learned logit per head) are counted as parameters; their softmax term is not "
                "modelled (negligible)");
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
  if (it != field_table().end()) return it->second(config, value);
  return is_irrelevant_hf_key(key) ? "" : "unknown field";
}

std::vector<std::string> finalize_model(ModelConfig& c) {
  std::vector<std::string> problems;
  for (auto [value, field] : {std::pair{c.hidden_size, "hidden_size"}, {c.num_layers, "num_hidden_layers"},
                              {c.vocab_size, "vocab_size"}, {c.num_heads, "num_attention_heads"}}) {
    if (value <= 0) problems.push_back(fmt::format("{} is missing or not positive", field));
  }
  if (!problems.empty()) return problems;
  apply_family_layout(c);
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
    // Mixtral, OLMoE, GPT-OSS: no moe_intermediate_size; intermediate_size is the expert width.
    if (c.moe.expert_intermediate_size == 0) c.moe.expert_intermediate_size = c.intermediate_size;
    if (c.moe.shared_intermediate_size > 0 && c.moe.shared_experts == 0) c.moe.shared_experts = 1;  // Qwen2-MoE
    if (c.moe.experts_per_token == 0 || c.moe.experts_per_token > c.moe.routed_experts)
      problems.push_back(fmt::format("num_experts_per_tok {} must be between 1 and the {} routed experts",
                                     c.moe.experts_per_token, c.moe.routed_experts));
    if (c.moe.routed_experts % c.moe.expert_groups != 0)
      problems.push_back(fmt::format("n_group {} does not divide the {} routed experts", c.moe.expert_groups,
                                     c.moe.routed_experts));
    if (c.moe.groups_per_token > c.moe.expert_groups)
      problems.push_back(fmt::format("topk_group {} exceeds n_group {}", c.moe.groups_per_token, c.moe.expert_groups));
  } else if (!c.moe.routing_key.empty()) {
    problems.push_back(fmt::format("{} sets MoE routing but the config has no experts (num_experts, "
                                   "num_local_experts or n_routed_experts missing or 0)",
                                   c.moe.routing_key));
  } else {
    c.moe.experts_per_token = 0;  // a sampling top_k of a dense config
  }
  if (c.intermediate_size <= 0 && c.moe_layer_count() < c.num_layers)
    problems.push_back("intermediate_size is missing: the model has dense layers");
  add_unmodelled_notes(c);
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
  std::vector<std::string> other_unknown;
  for (const auto& [key, value] : root.items()) {
    const std::string problem = apply_hf_field(config, key, from_json(value));
    if (problem == "unknown field") {
      if (looks_architectural(key))
        add_note(config, fmt::format("unknown key '{}' looks architectural and is ignored: the estimate leaves out "
                                     "whatever it changes",
                                     key));
      else
        other_unknown.push_back(key);
    } else if (!problem.empty()) {
      throw ConfigError(SourceLocation{source, 0, 0, key}, fmt::format("bad value {}", value.dump()), problem);
    }
  }
  if (!other_unknown.empty())
    add_note(config, fmt::format("keys trainsim does not know, ignored as not architectural: {}",
                                 fmt::join(other_unknown, ", ")));
  std::vector<std::string> problems = finalize_model(config);
  if (!problems.empty()) throw ConfigError(SourceLocation{source, 0, 0, ""}, problems.front());
  return config;
}

}  // namespace trainsim::models
