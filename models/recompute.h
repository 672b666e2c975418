// Recompute: which of a layer's forward results are dropped after forward and re-run inside backward, named
// after what the frameworks call them: Megatron's selective recompute (Korthikanti et al. 2022, section 4.2),
// full recompute, DeepSeek-V3's choice (tech report 3.3.3), and Megatron-Core's `--recompute-modules` list.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainsim::models {

enum class Recompute {
  kNone,           // every activation kept
  kSelective,      // Megatron's selective recompute: the attention core (QK^T, softmax, dropout, x V) re-run
  kFull,           // only each layer's input kept; the whole forward re-run in backward
  kDeepSeek,       // DeepSeek-V3: RMSNorm, MLA up-projections and SwiGLU outputs re-run (tech report 3.3.3)
  kNormActivation, // norms and activation functions re-run: Megatron-Core MoE recipes' layernorm + moe_act
  kModules,        // the modules a scenario lists (RecomputeModules)
};

// Megatron-Core's recompute modules (TransformerConfig.recompute_modules) where the name exists there;
// mlp_act is trainsim's name for a dense MLP's activation (Megatron-Core names only the MoE one, moe_act).
enum class RecomputeModule {
  kCoreAttn,   // the attention core: QK^T, softmax, dropout, x V (its inputs Q, K, V stay kept)
  kLayerNorm,  // the layer's norms (input and pre-MLP; MLA's q/kv norms too): their outputs not kept
  kMlpAct,     // a dense MLP's (or shared expert's) activation function: its output not kept
  kMoeAct,     // the routed experts' activation function: its output not kept
  kMlaUpProj,  // MLA's q/kv up-projections (and the RoPE applied to them): Q, K, V not kept
  // Whole blocks, checkpointed: only the block's input kept, its forward (collectives included) re-run.
  kMlp,            // a dense layer's MLP
  kMoe,            // a MoE layer's block: router, dispatch, experts, combine
  kSharedExperts,  // a MoE layer's shared experts
};
inline constexpr RecomputeModule kAllRecomputeModules[] = {
    RecomputeModule::kCoreAttn, RecomputeModule::kLayerNorm, RecomputeModule::kMlpAct, RecomputeModule::kMoeAct,
    RecomputeModule::kMlaUpProj, RecomputeModule::kMlp, RecomputeModule::kMoe, RecomputeModule::kSharedExperts};

// A set of modules, one bit each.
class RecomputeModules {
 public:
  RecomputeModules() = default;
  RecomputeModules(std::initializer_list<RecomputeModule> modules) {
    for (RecomputeModule m : modules) add(m);
  }
  void add(RecomputeModule m) { bits_ |= bit(m); }
  bool has(RecomputeModule m) const { return (bits_ & bit(m)) != 0; }
  bool empty() const { return bits_ == 0; }
  bool operator==(const RecomputeModules&) const = default;

 private:
  static std::uint32_t bit(RecomputeModule m) { return 1u << static_cast<unsigned>(m); }
  std::uint32_t bits_ = 0;
};

// The modules a mode re-runs (`listed` for kModules); kFull re-runs everything and is handled apart.
RecomputeModules recompute_modules(Recompute mode, RecomputeModules listed = {});

std::string_view recompute_name(Recompute recompute);  // "none", "selective", ..., "norm-activation", "modules"
// What a report prints: the mode's name, or for a module list "modules core_attn, layernorm" (in enum order).
std::string recompute_description(Recompute recompute, const RecomputeModules& listed);
std::optional<Recompute> recompute_from_name(std::string_view name);
std::vector<std::string> recompute_names();

std::string_view recompute_module_name(RecomputeModule module);  // "core_attn", "layernorm", ...
std::optional<RecomputeModule> recompute_module_from_name(std::string_view name);
std::vector<std::string> recompute_module_names();

}  // namespace trainsim::models
