// Layout rules. The schedule's own requirements (DualPipe's even pp and 2 pp micro-batches, interleaving's
// whole groups of pp) are sim/schedule_request.h's, reported at the scenario key that sets each quantity.
#include "sim/scenario/layout_rules.h"

#include <fmt/format.h>

#include "models/attention_window.h"
#include "sim/scenario/stage_plan.h"
#include "sim/schedules/schedule_request.h"

namespace trainsim::sim {
namespace {

[[noreturn]] void fail(const Scenario& s, const std::string& key, const std::string& problem,
                       const std::string& expected = {}, const std::string& hint = {}) {
  throw ConfigError(s.where(key), problem, expected, hint);
}

// "tp 8", or "tp 8 x cp 16" under context parallelism: the degrees that, with pp and dp, make the GPU count.
std::string tp_cp_text(const ParallelLayout& l) {
  return l.cp > 1 ? fmt::format("tp {} x cp {}", l.tp, l.cp) : fmt::format("tp {}", l.tp);
}

// Context parallelism as modelled (models::OpContext::cp): the load-balanced causal split needs 2 cp equal chunks
// and a causal flash core without a window.
void check_context_parallel(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  if (l.cp == 1) return;
  const int sequence = s.job.sequence_length;
  if (sequence % (2 * l.cp) != 0)
    fail(s, "parallelism.cp",
         fmt::format("cp {} splits each sequence in 2 x {} = {} equal chunks, but sequence_length {} does not divide",
                     l.cp, l.cp, 2 * l.cp, sequence),
         fmt::format("a cp with 2 cp dividing {}", sequence),
         "each CP rank takes chunks i and 2 cp - 1 - i so that every rank has the same causal work");
  if (l.attention_kernel != models::AttentionKernel::kFlash)
    fail(s, "parallelism.cp", "context parallelism with the unfused attention core is not modelled",
         "attention_kernel: flash, or cp: 1");
  if (models::effective_window(s.job.model, sequence) > 0)
    fail(s, "parallelism.cp",
         fmt::format("context parallelism with {}'s sliding-window attention is not modelled", s.job.model.name),
         "cp: 1", "the load-balanced split prices full causal attention");
}

void check_ep_overlap(const Scenario& s) {
  if (const std::optional<LayoutRefusal> refusal = ep_overlap_refusal(s.layout))
    fail(s, "parallelism.ep_overlap", refusal->problem, refusal->expected, refusal->hint);
}

// An all-to-all's path means nothing without one.
void check_ep_dispatch(const Scenario& s) {
  if (s.layout.ep_dispatch == models::EpDispatch::kPerExpert && s.layout.ep <= 1)
    fail(s, "parallelism.ep_dispatch", "ep_dispatch: per-expert without expert parallelism (ep 1)",
         "ep above 1, or no ep_dispatch key");
}

void check_against_model(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const models::ModelConfig& m = s.job.model;
  // Megatron-Core refuses TP communication overlap without sequence parallelism (and it has nothing to do at TP 1).
  if (l.tp_comm_overlap && (l.tp == 1 || !l.sequence_parallel))
    fail(s, "parallelism.tp_comm_overlap", "TP communication overlap needs tp > 1 with sequence_parallel: true",
         "tp_comm_overlap: false, or tp above 1 with sequence_parallel: true");
  if (m.num_heads % l.tp != 0 || m.num_kv_heads % l.tp != 0)
    fail(s, "parallelism.tp", fmt::format("tp {} does not divide the {} attention heads ({} key/value heads) of {}", l.tp,
                                          m.num_heads, m.num_kv_heads, m.name),
         "a divisor of the head count");
  // Megatron-Core refuses MoE under TP without sequence parallelism (megatron/training/arguments.py): its MoE layer
  // routes each TP rank's sequence shard, and that is what the catalog prices (models::OpContext::routed_tokens).
  if (m.is_moe() && l.tp > 1 && !l.sequence_parallel)
    fail(s, "parallelism.sequence_parallel",
         fmt::format("tp {} with the mixture-of-experts {} needs sequence parallelism, as Megatron-Core requires", l.tp,
                     m.name),
         "sequence_parallel: true", "each TP rank routes its own shard of the sequence to the experts");
  if (l.ep > 1 && !m.is_moe())
    fail(s, "parallelism.ep", fmt::format("ep {} needs a mixture-of-experts model; {} is dense", l.ep, m.name), "ep: 1");
  if (m.is_moe() && m.moe.routed_experts % l.ep != 0)
    fail(s, "parallelism.ep", fmt::format("ep {} does not divide the {} routed experts of {}", l.ep, m.moe.routed_experts, m.name),
         "a divisor of the expert count");
  check_context_parallel(s);
  check_ep_overlap(s);
  check_ep_dispatch(s);
  const int stage_gpus = l.dp * l.model_parallel();
  const char* stage_degrees = l.cp > 1 ? "dp x tp x cp" : "dp x tp";
  if (stage_gpus % l.ep != 0)
    fail(s, "parallelism.ep",
         fmt::format("ep {} exceeds or does not divide the {} = {} GPUs of a pipeline stage", l.ep, stage_degrees,
                     stage_gpus),
         fmt::format("a divisor of {}", stage_degrees), "EP groups are drawn from the GPUs that hold the same stage");
  // A stage holds at least one transformer layer, or, where Megatron-Core's split counts the embedding or the
  // loss as a layer, the embedding or the output head alone (Llama 3's 405B: 126 layers on 16 x 8 chunks, the
  // first holding only the embedding and the last only the output head; docs/sources.md#llama3-pipeline).
  const int own_stages =
      (l.account_for_embedding_in_pipeline_split ? 1 : 0) + (l.account_for_loss_in_pipeline_split ? 1 : 0);
  if (l.stage_count() > m.num_layers + own_stages)
    fail(s, "parallelism.pp",
         fmt::format("{} pipeline stages for {} layers{}", l.stage_count(), m.num_layers,
                     own_stages > 0 ? fmt::format(" and {} stage(s) of the embedding or the loss alone", own_stages)
                                    : ""),
         "at most one stage per layer",
         own_stages == 0 ? "account_for_embedding/loss_in_pipeline_split give each a stage" : "");
}

// The schedule's own rules (sim/schedule_request.h), reported at the scenario key that sets each quantity.
void check_schedule_request_of(const Scenario& s, int microbatches) {
  const ParallelLayout& l = s.layout;
  try {
    check_schedule_request(schedule_request_for(l, microbatches), s.source);
  } catch (const ConfigError& e) {
    const std::string& key = e.where().key_path;
    if (key == "schedule.microbatches")
      fail(s, "training.global_batch",
           fmt::format("global batch {} / (dp {} x micro_batch_size {}) gives {} micro-batches per pipeline: {}",
                       s.job.global_batch_sequences, l.dp, l.micro_batch_size, microbatches, e.problem()),
           e.expected(), "raise the batch, lower dp, or lower micro_batch_size");
    fail(s, key == "schedule.virtual_stages" ? "parallelism.virtual_stages" : "parallelism.pp", e.problem(), e.expected(),
         e.hint());
  }
}

void check_schedule(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  if (l.schedule != ScheduleKind::kInterleaved && l.virtual_stages != 1)
    fail(s, "parallelism.virtual_stages",
         fmt::format("virtual stages apply to the interleaved schedule only, not {}", schedule_name(l.schedule)),
         "virtual_stages: 1, or schedule: interleaved");
  const int per_replica = l.dp * l.micro_batch_size;
  if (s.job.global_batch_sequences % per_replica != 0)
    fail(s, "training.global_batch",
         fmt::format("global batch {} is not a multiple of dp {} x micro_batch_size {}", s.job.global_batch_sequences, l.dp,
                     l.micro_batch_size),
         fmt::format("a multiple of {}", per_replica));
  if (s.job.ramp && s.job.ramp->from_sequences % per_replica != 0)
    fail(s, "training.batch_ramp", fmt::format("the ramp's first batch {} is not a multiple of dp x micro_batch_size = {}",
                                               s.job.ramp->from_sequences, per_replica));
  check_schedule_request_of(s, microbatches_per_step(l, s.job.global_batch_sequences));
}

// Whether the layout, with its degrees' product right, passes every other rule: a suggested value must.
bool passes_rules(const Scenario& s) {
  try {
    check_against_model(s);
    check_schedule(s);
  } catch (const ConfigError&) {
    return false;
  }
  return true;
}

// A pp and dp that make the degrees' product the GPU count and pass every rule, changing one of the two the user
// wrote (dp first, as it is the one that follows from the others); "" when neither change works.
std::string valid_degrees_hint(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const long long gpus = s.cluster.gpu_count();
  const long long model_parallel = l.model_parallel();
  Scenario candidate = s;
  if (gpus % (l.pp * model_parallel) == 0) {
    candidate.layout.dp = static_cast<int>(gpus / (l.pp * model_parallel));
    if (passes_rules(candidate))
      return fmt::format("dp: {} (= {} GPUs / (pp {} x {}))", candidate.layout.dp, gpus, l.pp, tp_cp_text(l));
  }
  candidate = s;
  if (gpus % (l.dp * model_parallel) == 0) {
    candidate.layout.pp = static_cast<int>(gpus / (l.dp * model_parallel));
    candidate.layout.layers_per_stage.clear();
    if (passes_rules(candidate))
      return fmt::format("pp: {} (= {} GPUs / (dp {} x {}))", candidate.layout.pp, gpus, l.dp, tp_cp_text(l));
  }
  return fmt::format("pick pp and tp whose product divides the {} GPUs and leave dp out: it is derived", gpus);
}

void check_degrees(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const int gpus = s.cluster.gpu_count();
  const long long product = static_cast<long long>(l.pp) * l.model_parallel() * l.dp;
  if (product != gpus)
    fail(s, "parallelism", fmt::format("pp {} x {} x dp {} = {} GPUs, but the cluster has {} ({} nodes x {})", l.pp,
                                       tp_cp_text(l), l.dp, product, gpus, s.cluster.nodes, s.cluster.gpus_per_node),
         "degrees whose product is the GPU count", valid_degrees_hint(s));
}

}  // namespace

void derive_data_parallel(Scenario& s) {
  ParallelLayout& l = s.layout;
  const long long gpus = s.cluster.gpu_count();
  const long long pp_tp = static_cast<long long>(l.pp) * l.model_parallel();
  // ep is carved out of dp x tp x cp (check_against_model), so it takes no GPUs of its own: GPUs = pp x tp x cp x dp.
  if (gpus % pp_tp != 0)
    fail(s, "parallelism.dp",
         fmt::format("dp is left out, but pp {} x {} = {} does not divide the {} GPUs ({} nodes x {})", l.pp,
                     tp_cp_text(l), pp_tp, gpus, s.cluster.nodes, s.cluster.gpus_per_node),
         "pp x tp dividing the GPU count, or a dp with pp x tp x dp = the GPU count");
  l.dp = static_cast<int>(gpus / pp_tp);
}

std::optional<LayoutRefusal> ep_overlap_refusal(const ParallelLayout& l) {
  if (!l.ep_overlap) return std::nullopt;
  const std::string_view schedule = schedule_name(l.schedule);
  if (overlaps_forward_and_backward(l.schedule))
    return LayoutRefusal{fmt::format("{} overlaps the all-to-all under compute by its own design", schedule),
                         "no ep_overlap key with dualpipe or dualpipev", ""};
  if (l.ep <= 1)
    return LayoutRefusal{"the EP all-to-all overlap needs expert parallelism (ep > 1)", "ep above 1",
                         "Megatron-Core refuses it without"};
  const bool pipelined = l.pp > 1 || l.schedule != ScheduleKind::kOneFOneB;
  if (pipelined && l.schedule != ScheduleKind::kInterleaved)
    return LayoutRefusal{
        fmt::format("the EP all-to-all overlap with a pipeline needs the interleaved schedule, got {}", schedule),
        "schedule: interleaved, or pp 1 with 1f1b", "Megatron-Core asks virtual pipeline stages where pp > 1"};
  if (l.recompute == models::Recompute::kFull)
    return LayoutRefusal{"the EP all-to-all overlap does not run with full recomputation", "recompute other than full",
                         "Megatron-Core refuses the two together"};
  return std::nullopt;
}

ScheduleRequest schedule_request_for(const ParallelLayout& layout, int microbatches) {
  return ScheduleRequest{layout.schedule, layout.schedule == ScheduleKind::kInterleaved ? layout.pp : layout.stage_count(),
                         microbatches, layout.virtual_stages, layout.ep_overlap};
}

int microbatches_per_step(const ParallelLayout& layout, int global_batch_sequences) {
  return global_batch_sequences / (layout.dp * layout.micro_batch_size);
}

void check_layout_rules(const Scenario& s) {
  check_degrees(s);
  check_against_model(s);
  check_schedule(s);
  megatron_layers_per_stage(s);  // Megatron's split rules, at load (stage_plan.h)
}

}  // namespace trainsim::sim
