// Scenario reading: the valid text loads into the three parts; every schema rule fails with its own
// message at its own file:line:col and key path.
#include "sim/scenario/scenario_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::with;

TEST(ScenarioLoader, ReadsTheThreePartsApart) {
  const Scenario s = parse_scenario(kValidScenario, "s.yaml");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.job.model.name, "deepseek-v3");
  EXPECT_EQ(s.job.global_batch_sequences, 64);
  EXPECT_DOUBLE_EQ(s.job.total_tokens, 1e9);
  EXPECT_TRUE(s.job.precision.fp8_gemms);
  EXPECT_EQ(s.layout.schedule, ScheduleKind::kDualPipe);
  EXPECT_EQ(s.layout.expert_data_parallel(), 1);
  EXPECT_EQ(s.layout.recompute, models::Recompute::kDeepSeek);
  EXPECT_EQ(s.cluster.gpu_count(), 32);
  EXPECT_DOUBLE_EQ(s.cluster.nic_bandwidth_bytes_per_s, 50e9);
  EXPECT_DOUBLE_EQ(s.cluster.gpu.hbm_capacity_bytes, 1099511627776.0);
  // The catalog's when not set: H800 NVLink 400 GB/s bidirectional, 200 GB/s each way (docs/sources.md#deepseek-v3-cluster).
  EXPECT_DOUBLE_EQ(s.cluster.nvlink_bandwidth_bytes_per_s, 200e9);
  EXPECT_DOUBLE_EQ(s.cluster.price_usd_per_gpu_s * 3600, 2.0);
}

TEST(ScenarioLoader, RecomputeModesAreNamedForWhatTheyAre) {
  EXPECT_EQ(parse_scenario(with("recompute: deepseek", "recompute: norm-activation"), "s.yaml").layout.recompute,
            models::Recompute::kNormActivation);
  EXPECT_EQ(parse_scenario(with("recompute: deepseek", "recompute: selective"), "s.yaml").layout.recompute,
            models::Recompute::kSelective);
  const Scenario s = parse_scenario(with("recompute: deepseek", "recompute: {modules: [core_attn, mla_up_proj]}"), "s.yaml");
  EXPECT_EQ(s.layout.recompute, models::Recompute::kModules);
  EXPECT_EQ(s.layout.recompute_modules,
            (models::RecomputeModules{models::RecomputeModule::kCoreAttn, models::RecomputeModule::kMlaUpProj}));
}

TEST(ScenarioLoader, UnknownRecomputeModuleSuggestsTheNearest) {
  EXPECT_EQ(error_of(with("recompute: deepseek", "recompute: {modules: [layernorm, core_atn]}")),
            "s.yaml:13:36: parallelism.recompute.modules[1]: unknown recompute module 'core_atn' (expected one of "
            "core_attn, layernorm, mlp_act, moe_act, mla_up_proj, mlp, moe, shared_experts); hint: did you mean "
            "'core_attn'?");
  EXPECT_EQ(error_of(with("recompute: deepseek", "recompute: {modules: []}")),
            "s.yaml:13:24: parallelism.recompute.modules: lists no modules (expected a list of core_attn, layernorm, "
            "mlp_act, moe_act, mla_up_proj, mlp, moe, shared_experts); hint: recompute: none to re-run nothing");
}

TEST(ScenarioLoader, RecomputeModuleListIsBounded) {
  std::string list = "core_attn";
  for (int i = 1; i < 65; ++i) list += ", core_attn";
  EXPECT_EQ(error_of(with("recompute: deepseek", "recompute: {modules: [" + list + "]}")),
            "s.yaml:13:24: parallelism.recompute.modules: lists 65 modules (expected at most 64 modules)");
}

// Megatron-Core's whole-block modules are read too.
TEST(ScenarioLoader, WholeBlockRecomputeModulesAreRead) {
  const Scenario s = parse_scenario(with("recompute: deepseek", "recompute: {modules: [moe, shared_experts]}"), "s.yaml");
  EXPECT_EQ(s.layout.recompute_modules,
            (models::RecomputeModules{models::RecomputeModule::kMoe, models::RecomputeModule::kSharedExperts}));
}

TEST(ScenarioLoader, AttentionKernelIsFlashUnlessUnfusedIsAsked) {
  EXPECT_EQ(parse_scenario(kValidScenario, "s.yaml").layout.attention_kernel, models::AttentionKernel::kFlash);
  const std::string unfused = with("  recompute: deepseek\n", "  recompute: deepseek\n  attention_kernel: unfused\n");
  EXPECT_EQ(parse_scenario(unfused, "s.yaml").layout.attention_kernel, models::AttentionKernel::kUnfused);
  EXPECT_EQ(error_of(with("  recompute: deepseek\n", "  recompute: deepseek\n  attention_kernel: fused\n")),
            "s.yaml:14:21: parallelism.attention_kernel: 'fused' is not a known value (expected one of flash, unfused)");
}

TEST(ScenarioLoader, CrossEntropyKernelIsFusedUnlessUnfusedIsAsked) {
  EXPECT_EQ(parse_scenario(kValidScenario, "s.yaml").layout.cross_entropy_kernel, models::CrossEntropyKernel::kFused);
  const std::string unfused = with("  recompute: deepseek\n", "  recompute: deepseek\n  cross_entropy_kernel: unfused\n");
  EXPECT_EQ(parse_scenario(unfused, "s.yaml").layout.cross_entropy_kernel, models::CrossEntropyKernel::kUnfused);
  EXPECT_EQ(error_of(with("  recompute: deepseek\n", "  recompute: deepseek\n  cross_entropy_kernel: fp32\n")),
            "s.yaml:14:25: parallelism.cross_entropy_kernel: 'fp32' is not a known value (expected one of fused, unfused)");
}

TEST(ScenarioLoader, ResidualAddsAreFusedUnlessSeparateIsAsked) {
  EXPECT_EQ(parse_scenario(kValidScenario, "s.yaml").layout.residual_add, models::ResidualAdd::kFused);
  const std::string separate = with("  recompute: deepseek\n", "  recompute: deepseek\n  residual_add: separate\n");
  EXPECT_EQ(parse_scenario(separate, "s.yaml").layout.residual_add, models::ResidualAdd::kSeparate);
  EXPECT_EQ(error_of(with("  recompute: deepseek\n", "  recompute: deepseek\n  residual_add: apart\n")),
            "s.yaml:14:17: parallelism.residual_add: 'apart' is not a known value (expected one of fused, separate)");
}

TEST(ScenarioLoader, GradientAccumulationIsFusedUnlessSaidOtherwise) {
  EXPECT_TRUE(parse_scenario(kValidScenario, "s.yaml").layout.gradient_accumulation_fusion);
  const std::string separate =
      with("  recompute: deepseek\n", "  recompute: deepseek\n  gradient_accumulation_fusion: false\n");
  EXPECT_FALSE(parse_scenario(separate, "s.yaml").layout.gradient_accumulation_fusion);
  EXPECT_EQ(error_of(with("  recompute: deepseek\n", "  recompute: deepseek\n  gradient_accumulation_fusion: 2\n")),
            "s.yaml:14:33: parallelism.gradient_accumulation_fusion: '2' is not a boolean (expected true or false)");
}

TEST(ScenarioLoader, PipelineSendsOverlapUnlessBlockingIsAsked) {
  EXPECT_EQ(parse_scenario(kValidScenario, "s.yaml").layout.pipeline_p2p, PipelineP2p::kOverlapped);
  for (PipelineP2p kind : {PipelineP2p::kBlocking, PipelineP2p::kBlockingScatterGather}) {
    const std::string text = with("  recompute: deepseek\n", "  recompute: deepseek\n  pipeline_p2p: " +
                                                                 std::string(pipeline_p2p_name(kind)) + "\n");
    EXPECT_EQ(parse_scenario(text, "s.yaml").layout.pipeline_p2p, kind);
  }
  EXPECT_EQ(error_of(with("  recompute: deepseek\n", "  recompute: deepseek\n  pipeline_p2p: async\n")),
            "s.yaml:14:17: parallelism.pipeline_p2p: 'async' is not a known value (expected one of overlapped, "
            "blocking, blocking-scatter-gather)");
}

// Flash keeps no s x s tensor: selective recompute frees only its log-sum-exp, and the report says so.
TEST(ScenarioLoader, SelectiveRecomputeWithFlashSaysWhatItFrees) {
  const auto has_note = [](const Scenario& s) {
    for (const std::string& note : s.job.model.notes)
      if (note.find("frees only the log-sum-exp") != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has_note(parse_scenario(with("recompute: deepseek", "recompute: selective"), "s.yaml")));
  EXPECT_FALSE(has_note(parse_scenario(kValidScenario, "s.yaml")));
  EXPECT_FALSE(has_note(parse_scenario(
      with("  recompute: deepseek\n", "  recompute: selective\n  attention_kernel: unfused\n"), "s.yaml")));
}

TEST(ScenarioLoader, UnknownKeySuggestsTheNearest) {
  EXPECT_EQ(error_of(with("  schedule: dualpipe", "  schedul: dualpipe")),
            "s.yaml:10:3: parallelism.schedul: unknown key 'schedul' (expected one of pp, virtual_stages, tp, "
            "sequence_parallel, tp_comm_overlap, cp, cp_comm, ep, dp, zero_stage, micro_batch_size, schedule, recompute, attention_kernel, "
            "cross_entropy_kernel, residual_add, layers_per_stage, account_for_embedding_in_pipeline_split, "
            "account_for_loss_in_pipeline_split, decoder_first_pipeline_num_layers, decoder_last_pipeline_num_layers, "
            "dp_overlap, dp_bucket, expert_tp, ep_overlap, ep_dispatch, distributed_optimizer, "
            "gradient_accumulation_fusion, pipeline_p2p); "
            "hint: did you mean 'schedule'?");
}

TEST(ScenarioLoader, MissingField) {
  EXPECT_EQ(error_of(with("  nodes: 4\n", "")), "s.yaml:15:3: cluster.nodes: missing field (expected a value for 'nodes')");
}

TEST(ScenarioLoader, WrongType) {
  EXPECT_EQ(error_of(with("  pp: 4", "  pp: [4]")),
            "s.yaml:9:7: parallelism.pp: is a list (expected a whole number)");
  EXPECT_EQ(error_of(with("  pp: 4", "  pp: four")),
            "s.yaml:9:7: parallelism.pp: 'four' is not a whole number (expected a whole number from 1 to 4096)");
}

TEST(ScenarioLoader, BadAndMissingUnits) {
  EXPECT_NE(error_of(with("400 Gb/s", "400 Gbit")).find("s.yaml:17:18: cluster.nic_bandwidth: unknown or missing bandwidth unit in '400 Gbit'"),
            std::string::npos);
  EXPECT_NE(error_of(with("400 Gb/s", "400")).find("cluster.nic_bandwidth: unknown or missing bandwidth unit in '400'"),
            std::string::npos);
  EXPECT_NE(error_of(with("1 TiB", "1024")).find("s.yaml:15:35: cluster.gpu.hbm_capacity: '1024' has no unit"),
            std::string::npos);
}

TEST(ScenarioLoader, UnknownChoicesAndPresets) {
  EXPECT_NE(error_of(with("dualpipe", "dual-pipe")).find("hint: did you mean 'dualpipe'?"), std::string::npos);
  EXPECT_NE(error_of(with("deepseek-v3", "deepseek-v4")).find("s.yaml:3:11: model.preset: unknown model preset 'deepseek-v4'"),
            std::string::npos);
  EXPECT_NE(error_of(with("type: h800", "type: h900")).find("unknown GPU type 'h900'"), std::string::npos);
}

TEST(ScenarioLoader, ModelFromFieldsAndOverrides) {
  const std::string inline_model = with("  preset: deepseek-v3\n",
                                        "  preset: deepseek-v3\n  overrides: {num_hidden_layers: 8, first_k_dense_replace: 1}\n");
  const Scenario s = parse_scenario(inline_model, "s.yaml");
  EXPECT_EQ(s.job.model.num_layers, 8);
  EXPECT_EQ(s.job.model.moe.first_dense_layers, 1);
  EXPECT_NE(error_of(with("  preset: deepseek-v3\n", "  preset: deepseek-v3\n  overrides: {hiden_size: 8}\n"))
                .find("unknown model field 'hiden_size'"),
            std::string::npos);
  EXPECT_NE(error_of(with("  preset: deepseek-v3\n", "  preset: deepseek-v3\n  config: x.json\n")).find("needs exactly one of"),
            std::string::npos);
}

TEST(ScenarioLoader, ModelFromAHuggingFaceConfigFileBesideTheScenario) {
  const std::string dir = ::testing::TempDir() + "trainsim-hf";
  std::filesystem::create_directories(dir + "/tiny-moe");
  std::ofstream(dir + "/tiny-moe/config.json")
      << R"({"model_type": "mixtral", "hidden_size": 1024, "num_hidden_layers": 8, "vocab_size": 32000,
            "intermediate_size": 2048, "num_attention_heads": 16, "num_key_value_heads": 4,
            "num_local_experts": 8, "num_experts_per_tok": 2, "tie_word_embeddings": true, "rope_theta": 1e6})";
  std::ofstream(dir + "/s.yaml") << with("  preset: deepseek-v3", "  config: tiny-moe/config.json");
  const Scenario s = load_scenario(dir + "/s.yaml");
  EXPECT_EQ(s.job.model.name, "tiny-moe");
  EXPECT_EQ(s.job.model.moe.routed_experts, 8);
  EXPECT_EQ(s.job.model.moe.expert_intermediate_size, 2048);
  EXPECT_TRUE(s.job.model.tie_word_embeddings);
  EXPECT_EQ(s.job.model.num_kv_heads, 4);
  std::ofstream(dir + "/bad.yaml") << with("  preset: deepseek-v3", "  config: missing/config.json");
  try {
    load_scenario(dir + "/bad.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:3:11: model.config: cannot read HuggingFace config"), std::string::npos)
        << e.what();
  }
}

TEST(ScenarioLoader, NicsPerNodeAndPlanes) {
  const Scenario one_per_gpu = parse_scenario(kValidScenario, "s.yaml");
  EXPECT_EQ(one_per_gpu.cluster.nics_per_node, 8);  // default: gpus_per_node
  EXPECT_EQ(one_per_gpu.cluster.planes, 8);         // default: nics_per_node
  const Scenario four = parse_scenario(std::string(kValidScenario) + "  nics_per_node: 4\n  planes: 2\n", "s.yaml");
  EXPECT_EQ(four.cluster.nics_per_node, 4);
  EXPECT_EQ(four.cluster.planes, 2);
  EXPECT_DOUBLE_EQ(four.cluster.nic_share_bytes_per_s(), 50e9 * 4 / 8);  // 400 Gb/s shared by two GPUs
  EXPECT_EQ(parse_scenario(std::string(kValidScenario) + "  nics_per_node: 2\n", "s.yaml").cluster.planes, 2);
}

TEST(ScenarioLoader, NicsPerNodeAndPlanesAreChecked) {
  const std::string text = kValidScenario;
  EXPECT_EQ(error_of(text + "  nics_per_node: 3\n"),
            "s.yaml:18:18: cluster.nics_per_node: 3 NICs do not divide the 8 GPUs of a node (expected a divisor of "
            "gpus_per_node); hint: GPUs g and g + nics_per_node share a NIC, so each NIC serves as many GPUs");
  EXPECT_NE(error_of(text + "  nics_per_node: 16\n").find("s.yaml:18:18: cluster.nics_per_node: "), std::string::npos);
  EXPECT_NE(error_of(text + "  nics_per_node: 0\n").find("s.yaml:18:18: cluster.nics_per_node: "), std::string::npos);
  EXPECT_EQ(error_of(text + "  nics_per_node: 4\n  planes: 3\n"),
            "s.yaml:19:11: cluster.planes: 3 planes do not divide the 4 NICs of a node (expected a divisor of "
            "nics_per_node); hint: NIC k of every node sits in plane k mod planes");
  EXPECT_NE(error_of(text + "  nics_per_node: 4\n  planes: 8\n").find("s.yaml:19:11: cluster.planes: "), std::string::npos);
  EXPECT_EQ(error_of(text + "  topology: fat-tree\n  planes: 1\n"),
            "s.yaml:19:11: cluster.planes: planes on a fat-tree topology (expected no planes key); hint: planes apply "
            "to topology: multi-plane-fat-tree only");
}

// A line added to the parallelism part (line 14) or the cluster part (line 18).
std::string with_parallelism(const std::string& line) {
  return with("  recompute: deepseek\n", "  recompute: deepseek\n" + line + "\n");
}

TEST(ScenarioLoader, DataParallelOverlapAndBuckets) {
  const Scenario defaults = parse_scenario(kValidScenario, "s.yaml");
  EXPECT_TRUE(defaults.layout.dp_overlap);
  // Megatron-Core's default bucket: max(40M, 1M x dp) parameters; dp 8 here.
  EXPECT_DOUBLE_EQ(defaults.layout.dp_bucket(), 40e6);
  EXPECT_DOUBLE_EQ(parse_scenario(with("  dp: 8", "  dp: 64", with("  nodes: 4", "  nodes: 32", with("global_batch: 64", "global_batch: 512"))), "s.yaml").layout.dp_bucket(), 64e6);
  EXPECT_DOUBLE_EQ(parse_scenario(with_parallelism("  dp_bucket: 25M"), "s.yaml").layout.dp_bucket(), 25e6);
  EXPECT_FALSE(parse_scenario(with_parallelism("  dp_overlap: false"), "s.yaml").layout.dp_overlap);
  EXPECT_EQ(error_of(with_parallelism("  dp_overlap: false\n  dp_bucket: 25M")),
            "s.yaml:15:14: parallelism.dp_bucket: dp_bucket without dp_overlap (expected no dp_bucket key, or "
            "dp_overlap: true); hint: buckets only matter when their reduction overlaps the backward");
  EXPECT_EQ(error_of(with_parallelism("  dp_bucket: 1000")).rfind("s.yaml:14:14: parallelism.dp_bucket: '1000' is out of range", 0), 0u);
  EXPECT_EQ(error_of(with_parallelism("  dp_overlap: maybe")).rfind("s.yaml:14:15: parallelism.dp_overlap: ", 0), 0u);
}

TEST(ScenarioLoader, LayoutsNotModelledAreRefusedAtTheirKey) {
  EXPECT_EQ(parse_scenario(with_parallelism("  expert_tp: 1\n  ep_overlap: false"), "s.yaml").layout.ep, 8);
  EXPECT_EQ(error_of(with_parallelism("  expert_tp: 2")),
            "s.yaml:14:14: parallelism.expert_tp: expert tensor parallelism (expert_tp 2) is not modelled: each routed "
            "expert runs whole on one GPU of its EP group (expected expert_tp: 1); hint: split the experts further "
            "with a larger ep");
  // Megatron-Core's EP overlap is modelled (layout_rules_test.cc); DualPipe, this scenario's schedule, pairs alone.
  EXPECT_EQ(error_of(with_parallelism("  ep_overlap: true")),
            "s.yaml:14:15: parallelism.ep_overlap: dualpipe overlaps the all-to-all under compute by its own design "
            "(expected no ep_overlap key with dualpipe or dualpipev)");
}

TEST(ScenarioLoader, EveryBuiltTopologyIsAccepted) {
  // Each kind with a builder (hardware/topology_builder.h) by its scenario name.
  for (hw::TopologyKind kind : hw::all_topology_kinds()) {
    const Scenario s =
        parse_scenario(std::string(kValidScenario) + "  topology: " + std::string(hw::topology_name(kind)) + "\n", "s.yaml");
    EXPECT_EQ(s.cluster.topology, kind) << hw::topology_name(kind);
  }
  EXPECT_NE(error_of(std::string(kValidScenario) + "  topology: torus\n").find("cluster.topology"), std::string::npos);
}

TEST(ScenarioLoader, SyntaxErrorsAndUnreadableFiles) {
  EXPECT_EQ(error_of("model: [\n").rfind("s.yaml:", 0), 0u);
  try {
    load_scenario("/nonexistent/x.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/x.yaml: cannot read the scenario file (expected a readable YAML file)");
  }
}

}  // namespace
}  // namespace trainsim::sim
