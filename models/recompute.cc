// Recompute modes and modules: names and the module set of each named mode (see recompute.h).
#include "models/recompute.h"

namespace trainsim::models {

RecomputeModules recompute_modules(Recompute mode, RecomputeModules listed) {
  using M = RecomputeModule;
  switch (mode) {
    case Recompute::kNone: return {};
    case Recompute::kSelective: return {M::kCoreAttn};  // Korthikanti et al. 2022, 4.2
    case Recompute::kFull: return {};                   // the layer as a whole (op_catalog.cc)
    // DeepSeek-V3 tech report 3.3.3: "all RMSNorm operations and MLA up-projections", SwiGLU outputs from its input.
    case Recompute::kDeepSeek: return {M::kLayerNorm, M::kMlaUpProj, M::kMlpAct, M::kMoeAct};
    // Megatron-Core MoE recipes: --recompute-granularity selective --recompute-modules layernorm moe_act.
    case Recompute::kNormActivation: return {M::kLayerNorm, M::kMlpAct, M::kMoeAct};
    case Recompute::kModules: return listed;
  }
  return {};
}

std::string_view recompute_name(Recompute recompute) {
  switch (recompute) {
    case Recompute::kNone: return "none";
    case Recompute::kSelective: return "selective";
    case Recompute::kFull: return "full";
    case Recompute::kDeepSeek: return "deepseek";
    case Recompute::kNormActivation: return "norm-activation";
    case Recompute::kModules: return "modules";
  }
  return "unknown";
}

std::vector<std::string> recompute_names() {
  // kModules is spelt as a mapping (recompute: {modules: [...]}), not a name.
  return {"none", "selective", "full", "deepseek", "norm-activation"};
}

std::optional<Recompute> recompute_from_name(std::string_view name) {
  for (Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull, Recompute::kDeepSeek,
                      Recompute::kNormActivation})
    if (recompute_name(r) == name) return r;
  return std::nullopt;
}

std::string_view recompute_module_name(RecomputeModule module) {
  switch (module) {
    case RecomputeModule::kCoreAttn: return "core_attn";
    case RecomputeModule::kLayerNorm: return "layernorm";
    case RecomputeModule::kMlpAct: return "mlp_act";
    case RecomputeModule::kMoeAct: return "moe_act";
    case RecomputeModule::kMlaUpProj: return "mla_up_proj";
    case RecomputeModule::kMlp: return "mlp";
    case RecomputeModule::kMoe: return "moe";
    case RecomputeModule::kSharedExperts: return "shared_experts";
  }
  return "unknown";
}

std::optional<RecomputeModule> recompute_module_from_name(std::string_view name) {
  for (RecomputeModule m : kAllRecomputeModules)
    if (recompute_module_name(m) == name) return m;
  return std::nullopt;
}

std::vector<std::string> recompute_module_names() {
  std::vector<std::string> names;
  for (RecomputeModule m : kAllRecomputeModules) names.emplace_back(recompute_module_name(m));
  return names;
}

std::string recompute_description(Recompute recompute, const RecomputeModules& listed) {
  if (recompute != Recompute::kModules) return std::string(recompute_name(recompute));
  std::string out = "modules";
  for (RecomputeModule m : kAllRecomputeModules)
    if (listed.has(m)) out += (out.size() == 7 ? " " : ", ") + std::string(recompute_module_name(m));
  return out;
}

}  // namespace trainsim::models
