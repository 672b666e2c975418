// MlpKind: the feed-forward block of a layer (dense MLP or one expert). Gated kinds (SwiGLU, GeGLU) have three
// matrices (gate, up: h x ffn; down: ffn x h); plain kinds (GELU, ReLU: GPT-2, OPT, Falcon) have two (up, down).
// Shazeer 2020, "GLU Variants Improve Transformer"; the HuggingFace modules LlamaMLP, GemmaMLP and GPT2MLP.
#pragma once
#include <string_view>

namespace trainsim::models {

enum class MlpKind {
  kSwiGlu,  // silu(x W_gate) * (x W_up), then W_down: Llama, Qwen, DeepSeek, Mixtral, GPT-OSS
  kGeGlu,   // gelu(x W_gate) * (x W_up), then W_down: Gemma
  kGelu,    // gelu(x W_up) W_down: GPT-2 (gelu_new), GPT-NeoX, Falcon
  kRelu,    // relu(x W_up) W_down: OPT
};

constexpr bool is_gated(MlpKind kind) { return kind == MlpKind::kSwiGlu || kind == MlpKind::kGeGlu; }

// Weight matrices of h x ffn each.
constexpr int mlp_matrices(MlpKind kind) { return is_gated(kind) ? 3 : 2; }

// The activation op's name in the op catalog ("swiglu" is what kernel traces call DeepSeek's fused kernel).
constexpr std::string_view mlp_activation_name(MlpKind kind) {
  switch (kind) {
    case MlpKind::kSwiGlu: return "swiglu";
    case MlpKind::kGeGlu: return "geglu";
    case MlpKind::kGelu: return "gelu";
    case MlpKind::kRelu: return "relu";
  }
  return "swiglu";
}

}  // namespace trainsim::models
