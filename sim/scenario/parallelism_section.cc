// The scenario's `parallelism:` section (parallelism_section.h).
#include "sim/scenario/parallelism_section.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/did_you_mean.h"
#include "core/input_ranges.h"

namespace trainsim::sim {
namespace {

using Keys = std::vector<std::string>;

// Megatron-Core's pipeline split flags; stage_plan.cc applies them and checks them against the model.
void read_megatron_split(const ConfigNode& node, ParallelLayout& l) {
  l.account_for_embedding_in_pipeline_split = node.bool_or("account_for_embedding_in_pipeline_split", false);
  l.account_for_loss_in_pipeline_split = node.bool_or("account_for_loss_in_pipeline_split", false);
  l.decoder_first_pipeline_num_layers =
      static_cast<int>(node.integer_or("decoder_first_pipeline_num_layers", ranges::kPipelineRankLayers, 0));
  l.decoder_last_pipeline_num_layers =
      static_cast<int>(node.integer_or("decoder_last_pipeline_num_layers", ranges::kPipelineRankLayers, 0));
}

void read_data_parallel_overlap(const ConfigNode& node, ParallelLayout& l) {
  l.dp_overlap = node.bool_or("dp_overlap", true);
  if (auto bucket = node.get("dp_bucket")) {
    if (!l.dp_overlap)
      bucket->fail("dp_bucket without dp_overlap", "no dp_bucket key, or dp_overlap: true",
                   "buckets only matter when their reduction overlaps the backward");
    l.dp_bucket_parameters = bucket->as_quantity(ranges::kDpBucket);
  }
}

// Layouts a scenario can name but trainsim does not price: refused here, never priced as something else.
void refuse_unmodelled_layouts(const ConfigNode& node) {
  if (auto etp = node.get("expert_tp"); etp && etp->as_integer(ranges::kTensorDegree) != 1)
    etp->fail(fmt::format("expert tensor parallelism (expert_tp {}) is not modelled: each routed expert runs whole "
                          "on one GPU of its EP group",
                          etp->as_string()),
              "expert_tp: 1", "split the experts further with a larger ep");
}

// parallelism.recompute: a mode's name, or {modules: [core_attn, layernorm, ...]} (Megatron-Core's names).
void read_recompute(const ConfigNode& node, ParallelLayout& l) {
  if (node.is_scalar()) {
    l.recompute = *models::recompute_from_name(node.as_choice(models::recompute_names()));
    return;
  }
  node.allow_only(Keys{"modules"});
  const ConfigNode list = node.require("modules");
  const std::vector<std::string> known = models::recompute_module_names();
  if (!list.is_sequence() || list.element_count() == 0)
    list.fail(list.is_sequence() ? "lists no modules" : "is not a list of modules",
              "a list of " + fmt::format("{}", fmt::join(known, ", ")), "recompute: none to re-run nothing");
  if (list.element_count() > 64) list.fail(fmt::format("lists {} modules", list.element_count()), "at most 64 modules");
  l.recompute = models::Recompute::kModules;
  l.recompute_modules = {};
  for (const ConfigNode& item : list.elements()) {
    const std::string name = item.as_string();
    const std::optional<models::RecomputeModule> module = models::recompute_module_from_name(name);
    if (!module)
      item.fail("unknown recompute module '" + name + "'", "one of " + fmt::format("{}", fmt::join(known, ", ")),
                did_you_mean(name, known));
    l.recompute_modules.add(*module);
  }
}

// Megatron's distributed optimizer shards the optimizer states (FP32 master weights, moments, the FP32 copy of
// 16-bit gradients) over data parallelism and neither gradients nor weights: ZeRO stage 1's sharding. Without it
// Megatron shards nothing (stage 0). A zero_stage that says otherwise is refused, not silently overridden.
void read_distributed_optimizer(const ConfigNode& node, ParallelLayout& l) {
  const std::optional<ConfigNode> distributed = node.get("distributed_optimizer");
  if (!distributed) return;
  const bool on = distributed->as_bool();
  const int stage = on ? 1 : 0;
  if (node.has("zero_stage") && l.zero_stage != stage)
    distributed->fail(fmt::format("distributed_optimizer: {} with zero_stage: {}", on ? "true" : "false", l.zero_stage),
                      "one of the two", on ? "the distributed optimizer is zero_stage: 1's sharding (optimizer states only); "
                                             "for sharded gradients or weights drop it and give zero_stage: 2 or 3"
                                           : "without the distributed optimizer Megatron shards nothing (zero_stage: 0)");
  l.zero_stage = stage;
}

}  // namespace

void read_parallelism(const ConfigNode& node, Scenario& s) {
  node.allow_only(Keys{"pp", "virtual_stages", "tp", "sequence_parallel", "tp_comm_overlap", "cp", "cp_comm", "ep",
                       "dp", "zero_stage", "micro_batch_size", "schedule", "recompute", "attention_kernel",
                       "cross_entropy_kernel", "residual_add", "layers_per_stage",
                       "account_for_embedding_in_pipeline_split", "account_for_loss_in_pipeline_split",
                       "decoder_first_pipeline_num_layers", "decoder_last_pipeline_num_layers", "dp_overlap",
                       "dp_bucket", "expert_tp", "ep_overlap", "ep_dispatch", "distributed_optimizer",
                       "gradient_accumulation_fusion", "pipeline_p2p"});
  ParallelLayout& l = s.layout;
  for (const char* key : {"pp", "tp", "tp_comm_overlap", "cp", "cp_comm", "ep", "ep_overlap", "ep_dispatch", "dp",
                          "virtual_stages", "micro_batch_size", "schedule", "layers_per_stage", "zero_stage",
                          "account_for_embedding_in_pipeline_split", "account_for_loss_in_pipeline_split",
                          "decoder_first_pipeline_num_layers", "decoder_last_pipeline_num_layers", "dp_bucket"})
    if (auto child = node.get(key)) s.locations[child->path()] = child->location();
  s.locations[node.path()] = node.location();
  l.pp = static_cast<int>(node.require("pp").as_integer(ranges::kPipelineDegree));
  // dp left out: derive_data_parallel fills it in once the cluster is read (0 until then).
  l.dp = node.has("dp") ? static_cast<int>(node.require("dp").as_integer(ranges::kDataDegree)) : 0;
  l.tp = static_cast<int>(node.integer_or("tp", ranges::kTensorDegree, 1));
  l.cp = static_cast<int>(node.integer_or("cp", ranges::kContextDegree, 1));
  if (auto comm = node.get("cp_comm"))
    l.cp_comm =
        comm->as_choice(Keys{"ring", "all-gather"}) == "ring" ? models::CpComm::kRing : models::CpComm::kAllGather;
  l.ep = static_cast<int>(node.integer_or("ep", ranges::kExpertDegree, 1));
  l.ep_overlap = node.bool_or("ep_overlap", false);
  if (auto dispatch = node.get("ep_dispatch"))
    l.ep_dispatch = *models::ep_dispatch_from_name(dispatch->as_choice(Keys{"per-node", "per-expert"}));
  l.virtual_stages = static_cast<int>(node.integer_or("virtual_stages", ranges::kVirtualStages, 1));
  l.sequence_parallel = node.bool_or("sequence_parallel", false);
  l.tp_comm_overlap = node.bool_or("tp_comm_overlap", false);
  l.zero_stage = static_cast<int>(node.integer_or("zero_stage", ranges::kZeroStage, 1));
  read_distributed_optimizer(node, l);
  l.micro_batch_size = static_cast<int>(node.integer_or("micro_batch_size", ranges::kMicroBatchSize, 1));
  if (auto schedule = node.get("schedule")) {
    Keys names;
    for (ScheduleKind kind : kAllScheduleKinds) names.emplace_back(schedule_name(kind));
    l.schedule = *schedule_from_name(schedule->as_choice(names));
  }
  if (auto recompute = node.get("recompute")) read_recompute(*recompute, l);
  if (auto kernel = node.get("attention_kernel"))
    l.attention_kernel = kernel->as_choice(Keys{"flash", "unfused"}) == "unfused" ? models::AttentionKernel::kUnfused
                                                                                  : models::AttentionKernel::kFlash;
  if (auto kernel = node.get("cross_entropy_kernel"))
    l.cross_entropy_kernel = kernel->as_choice(Keys{"fused", "unfused"}) == "unfused" ? models::CrossEntropyKernel::kUnfused
                                                                                     : models::CrossEntropyKernel::kFused;
  if (auto add = node.get("residual_add"))
    l.residual_add = add->as_choice(Keys{"fused", "separate"}) == "separate" ? models::ResidualAdd::kSeparate
                                                                            : models::ResidualAdd::kFused;
  // NOTE: flash keeps no s x s tensor, so the attention core's re-run frees only its log-sum-exp.
  if (models::recompute_modules(l.recompute, l.recompute_modules).has(models::RecomputeModule::kCoreAttn) &&
      l.attention_kernel == models::AttentionKernel::kFlash)
    s.job.model.notes.push_back(
        "recompute of the attention core (selective, core_attn) with attention_kernel: flash frees only the "
        "log-sum-exp (4 bytes per token and head): flash keeps no s x s tensor for it to free, yet its forward "
        "re-runs in backward; selective recompute was made for attention_kernel: unfused");
  if (auto placement = node.get("layers_per_stage")) {
    if (placement->is_scalar()) {
      placement->as_choice(Keys{"auto"});
    } else {
      // A list longer than the stages fails before its elements are read (a million entries took seconds);
      // the plan checks the exact count (stage_plan.cc).
      if (placement->element_count() > static_cast<std::size_t>(l.stage_count()))
        placement->fail(fmt::format("has {} entries for {} pipeline stages", placement->element_count(), l.stage_count()),
                        fmt::format("one layer count per stage ({})", l.stage_count()), "or layers_per_stage: auto");
      for (const ConfigNode& count : placement->elements())
        l.layers_per_stage.push_back(static_cast<int>(count.as_integer(ranges::kLayersPerStage)));
    }
  }
  read_megatron_split(node, l);
  read_data_parallel_overlap(node, l);
  l.gradient_accumulation_fusion = node.bool_or("gradient_accumulation_fusion", true);
  if (auto p2p = node.get("pipeline_p2p")) {
    Keys names;
    for (PipelineP2p kind : kAllPipelineP2p) names.emplace_back(pipeline_p2p_name(kind));
    const std::string chosen = p2p->as_choice(names);
    for (PipelineP2p kind : kAllPipelineP2p)
      if (chosen == pipeline_p2p_name(kind)) l.pipeline_p2p = kind;
  }
  refuse_unmodelled_layouts(node);
}

}  // namespace trainsim::sim
