// Key lists for hf_config_keys.h, gathered from the configs of models/presets and tests/models/data and from
// transformers' PretrainedConfig, LlamaConfig, Qwen2MoeConfig, OlmoeConfig, GPT2Config and GptOssConfig.
#include "models/hf_config_keys.h"

#include <algorithm>
#include <array>

namespace trainsim::models {

bool is_irrelevant_hf_key(std::string_view key) {
  static constexpr std::array<std::string_view, 52> kKeys = {
      // Names, versions, loading and serving.
      "architectures", "auto_map", "transformers_version", "torch_dtype", "dtype", "use_cache",
      "tokenizer_class", "output_past", "torchscript", "use_bfloat16", "return_dict", "output_attentions",
      "output_hidden_states", "gradient_checkpointing", "pretraining_tp", "ep_size", "id2label", "label2id",
      "problem_type", "task_specific_params",
      // Token ids.
      "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id",
      // Numerics and initialization: the same matrices and FLOPs whatever their values. `dropout` alone names no
      // place (the placed ones, attention_dropout, hidden_dropout and GPT-2's *_pdrop, are read).
      "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "initializer_range", "initializer_factor", "dropout",
      "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn",
      // Positions: RoPE's frequencies and scaling change no matrix; n_ctx is GPT-2's n_positions again, and the
      // trained context is the scenario's sequence_length; initial_context_length is GPT-OSS's YaRN base.
      "rope_theta", "rope_scaling", "rope_parameters", "partial_rotary_factor", "n_ctx", "initial_context_length",
      // Training losses' weights, not work (whether a balance loss runs: aux_loss_alpha, output_router_logits);
      // seq_aux picks the sequences or the batch to balance over, the same work per score.
      "router_aux_loss_coef", "router_z_loss_coef", "seq_aux",
      "router_jitter_noise",
      // Routing algorithm with the same cost: greedy or node-limited top-k over the same scores.
      "topk_method",
      // The checkpoint's storage format (FP8 blocks, MXFP4); training precision is the scenario's.
      "quantization_config",
      // Qwen's sliding-window layer split, meaningful only with use_sliding_window: true (read, with a note).
      "max_window_layers",
      // GPT-2's sequence-classification head, not part of the language model.
      "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels", "summary_first_dropout",
  };
  // transformers' private keys (_name_or_path, _attn_implementation, ...) describe loading, not the model.
  return key.starts_with('_') || std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

bool looks_architectural(std::string_view key) {
  static constexpr std::array<std::string_view, 23> kWords = {
      "expert", "moe", "layer", "head", "hidden", "intermediate", "ffn", "router", "mlp", "attention", "attn",
      "window", "embed", "dim", "kv", "lora", "sparse", "dense", "block", "gate", "norm", "num_", "topk",
  };
  return std::any_of(kWords.begin(), kWords.end(),
                     [key](std::string_view word) { return key.find(word) != std::string_view::npos; });
}

}  // namespace trainsim::models
