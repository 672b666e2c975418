// Field by field reading of config.json into ModelConfig, with the ranges the model code relies on.
#include "kernels/model/model_config.h"

#include <cmath>
#include <sstream>

namespace trainsim::kernels::model {

namespace {

class FieldReader {
 public:
  FieldReader(const JsonValue& root, const std::string& file) : root_(root), file_(file) {
    if (root.kind != JsonKind::kObject)
      throw JsonError(
          file, root.line,
          std::string("the top level: found ") + json_kind_name(root.kind) + ", expected an object of config fields");
  }

  [[noreturn]] void fail(const std::string& field, int line, const std::string& message) const {
    throw JsonError(file_, line, field + ": " + message);
  }

  const JsonValue& get(const std::string& field, const char* expected) const {
    const JsonValue* v = root_.find(field);
    if (!v) fail(field, root_.line, std::string("missing, expected ") + expected);
    return *v;
  }

  int integer(const std::string& field, int min) const {
    const std::string expected = "a whole number >= " + std::to_string(min);
    const JsonValue& v = get(field, expected.c_str());
    if (v.kind != JsonKind::kNumber || v.number != std::floor(v.number) || v.number < min || v.number > 1e8)
      fail(field, v.line, "found " + describe(v) + ", expected " + expected);
    return int(v.number);
  }

  double positive(const std::string& field) const {
    const JsonValue& v = get(field, "a positive number");
    if (v.kind != JsonKind::kNumber || !(v.number > 0))
      fail(field, v.line, "found " + describe(v) + ", expected a positive number");
    return v.number;
  }

  bool boolean(const std::string& field) const {
    const JsonValue& v = get(field, "true or false");
    if (v.kind != JsonKind::kBool) fail(field, v.line, "found " + describe(v) + ", expected true or false");
    return v.boolean;
  }

  bool boolean_or(const std::string& field, bool fallback) const {
    return root_.find(field) ? boolean(field) : fallback;
  }

  void string_equals(const std::string& field, const std::string& wanted) const {
    const std::string expected = "\"" + wanted + "\"";
    const JsonValue& v = get(field, expected.c_str());
    if (v.kind != JsonKind::kString || v.text != wanted)
      fail(field, v.line, "found " + describe(v) + ", expected " + expected);
  }

  // An optional number >= 0; `fallback` where the field is absent.
  double non_negative_or(const std::string& field, double fallback) const {
    const JsonValue* v = root_.find(field);
    if (!v) return fallback;
    if (v->kind != JsonKind::kNumber || !(v->number >= 0))
      fail(field, v->line, "found " + describe(*v) + ", expected a number >= 0");
    return v->number;
  }

  int line_of(const std::string& field) const { return root_.find(field) ? root_.find(field)->line : root_.line; }

 private:
  static std::string describe(const JsonValue& v) {
    if (v.kind == JsonKind::kString) return "\"" + v.text + "\"";
    if (v.kind == JsonKind::kNumber) {
      std::ostringstream out;
      out << v.number;
      return out.str();
    }
    return json_kind_name(v.kind);
  }

  const JsonValue& root_;
  const std::string& file_;
};

}  // namespace

MlaDims ModelConfig::mla_dims() const {
  MlaDims d;
  d.hidden = hidden_size;
  d.heads = num_attention_heads;
  d.q_lora = q_lora_rank;
  d.kv_lora = kv_lora_rank;
  d.qk_nope = qk_nope_head_dim;
  d.qk_rope = qk_rope_head_dim;
  d.v_dim = v_head_dim;
  d.rms_eps = rms_norm_eps;
  d.rope_theta = rope_theta;
  return d;
}

RoutingRule ModelConfig::routing_rule() const {
  return RoutingRule{n_routed_experts, num_experts_per_tok,  n_group, topk_group, RouterScoring::kSigmoid,
                     norm_topk_prob,   routed_scaling_factor};
}

ModelConfig model_config_from_json(const JsonValue& root, const std::string& file) {
  const FieldReader r(root, file);
  ModelConfig c;
  c.vocab_size = r.integer("vocab_size", 2);
  c.hidden_size = r.integer("hidden_size", 1);
  c.num_hidden_layers = r.integer("num_hidden_layers", 1);
  c.first_k_dense_replace = r.integer("first_k_dense_replace", 0);
  c.num_attention_heads = r.integer("num_attention_heads", 1);
  c.q_lora_rank = r.integer("q_lora_rank", 1);
  c.kv_lora_rank = r.integer("kv_lora_rank", 1);
  c.qk_nope_head_dim = r.integer("qk_nope_head_dim", 1);
  c.qk_rope_head_dim = r.integer("qk_rope_head_dim", 2);
  c.v_head_dim = r.integer("v_head_dim", 1);
  c.intermediate_size = r.integer("intermediate_size", 1);
  c.moe_intermediate_size = r.integer("moe_intermediate_size", 1);
  c.n_routed_experts = r.integer("n_routed_experts", 1);
  c.n_shared_experts = r.integer("n_shared_experts", 0);
  c.num_experts_per_tok = r.integer("num_experts_per_tok", 1);
  c.n_group = r.integer("n_group", 1);
  c.topk_group = r.integer("topk_group", 1);
  c.routed_scaling_factor = r.positive("routed_scaling_factor");
  c.norm_topk_prob = r.boolean("norm_topk_prob");
  r.string_equals("scoring_func", "sigmoid");
  c.rms_norm_eps = r.positive("rms_norm_eps");
  c.rope_theta = r.positive("rope_theta");
  c.num_nextn_predict_layers = r.integer("num_nextn_predict_layers", 0);
  c.balance_loss_alpha = r.non_negative_or("aux_loss_alpha", kDeepSeekV3BalanceAlpha);
  // seq_aux false is DeepSeek's batch-wise loss, which this model does not have.
  if (!r.boolean_or("seq_aux", true))
    r.fail("seq_aux", r.line_of("seq_aux"),
           "found false, expected true: the model's balance loss is sequence-wise (sequence_balance_loss.h)");

  if (c.first_k_dense_replace > c.num_hidden_layers)
    r.fail("first_k_dense_replace", r.line_of("first_k_dense_replace"),
           "found " + std::to_string(c.first_k_dense_replace) + ", expected at most num_hidden_layers (" +
               std::to_string(c.num_hidden_layers) + ")");
  if (c.qk_rope_head_dim % 2 != 0)
    r.fail("qk_rope_head_dim", r.line_of("qk_rope_head_dim"),
           "found an odd number, expected an even one (RoPE rotates pairs)");
  if (const char* error = routing_rule_error(c.routing_rule()))
    r.fail(
        "n_routed_experts", r.line_of("n_routed_experts"),
        std::string("the routing fields (n_routed_experts, num_experts_per_tok, n_group, topk_group) break a rule: ") +
            error);
  return c;
}

ModelConfig load_model_config(const std::string& path) { return model_config_from_json(read_json_file(path), path); }

}  // namespace trainsim::kernels::model
