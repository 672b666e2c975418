// Recompute modes and modules: the names a scenario spells, and each named mode's modules as the frameworks
// define them (Korthikanti et al. 2022 4.2; DeepSeek-V3 tech report 3.3.3; Megatron-Core's recompute_modules).
#include "models/recompute.h"

#include <gtest/gtest.h>

namespace trainsim::models {
namespace {

using M = RecomputeModule;

TEST(Recompute, NamesRoundTrip) {
  for (const std::string& name : recompute_names()) EXPECT_EQ(recompute_name(*recompute_from_name(name)), name);
  for (const std::string& name : recompute_module_names())
    EXPECT_EQ(recompute_module_name(*recompute_module_from_name(name)), name);
  EXPECT_FALSE(recompute_from_name("modules"));  // spelt as a mapping, {modules: [...]}
  // Megatron-Core's TransformerConfig.recompute_modules names, with trainsim's mlp_act for a dense MLP's activation.
  EXPECT_EQ(recompute_module_names(), (std::vector<std::string>{"core_attn", "layernorm", "mlp_act", "moe_act",
                                                                "mla_up_proj", "mlp", "moe", "shared_experts"}));
}

TEST(Recompute, EachNamedModeIsWhatItsFrameworkMeans) {
  EXPECT_EQ(recompute_modules(Recompute::kNone), RecomputeModules{});
  EXPECT_EQ(recompute_modules(Recompute::kSelective), RecomputeModules{M::kCoreAttn});
  EXPECT_EQ(recompute_modules(Recompute::kDeepSeek),
            (RecomputeModules{M::kLayerNorm, M::kMlaUpProj, M::kMlpAct, M::kMoeAct}));
  EXPECT_EQ(recompute_modules(Recompute::kNormActivation), (RecomputeModules{M::kLayerNorm, M::kMlpAct, M::kMoeAct}));
  EXPECT_EQ(recompute_modules(Recompute::kModules, {M::kMlaUpProj}), RecomputeModules{M::kMlaUpProj});
}

}  // namespace
}  // namespace trainsim::models
