// Scenario schema: the top-level parts seed, model, training, parallelism and cluster. Each reader takes
// one part; cross-part rules (degrees against the GPU count, against the model) come last.
#include "sim/scenario/scenario_loader.h"

#include <fmt/ranges.h>

#include <cctype>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "core/did_you_mean.h"
#include "core/input_file.h"
#include "core/input_ranges.h"
#include "core/yaml_reader.h"
#include "hardware/calibration_choice.h"
#include "hardware/gpu_catalog.h"
#include "hardware/host_device.h"
#include "models/hf_config.h"
#include "models/model_presets.h"
#include "models/precision_policy.h"
#include "sim/scenario/layout_rules.h"
#include "hardware/gpu_power.h"
#include "sim/scenario/capex_section.h"
#include "sim/scenario/network_failures_section.h"
#include "sim/scenario/parallelism_section.h"
#include "sim/scenario/power_section.h"
#include "sim/scenario/routing_section.h"
#include "sim/scenario/training_phases.h"

namespace trainsim::sim {
namespace {

using Keys = std::vector<std::string>;

void remember(Scenario& s, const ConfigNode& node) { s.locations[node.path()] = node.location(); }

// Applies HuggingFace-named fields from a YAML mapping onto a model, each error at its own line.
void apply_model_fields(const ConfigNode& fields, models::ModelConfig& model) {
  fields.require_map();
  for (const std::string& key : fields.keys()) {
    const ConfigNode value = fields.require(key);
    models::HfValue hf;
    if (value.is_null()) {
      hf = std::monostate{};
    } else {
      const std::string text = value.as_string();
      if (text == "true" || text == "false") {
        hf = text == "true";
      } else if (text.find_first_not_of("0123456789-") == std::string::npos && !text.empty()) {
        hf = static_cast<long long>(value.as_integer(-1'000'000'000, 1'000'000'000));
      } else if (text.find_first_not_of("0123456789.eE+-") == std::string::npos) {
        hf = value.as_number();
      } else {
        hf = text;
      }
    }
    const std::string problem = models::apply_hf_field(model, key, hf);
    if (problem == "unknown field")
      value.fail("unknown model field '" + key + "'", "a HuggingFace config.json field trainsim reads",
                 did_you_mean(key, models::hf_field_names()));
    if (!problem.empty()) value.fail("bad value '" + (value.is_null() ? std::string("null") : value.as_string()) + "'", problem);
  }
}

void read_model(const ConfigNode& node, const std::string& scenario_dir, Scenario& s) {
  TrainingJob& job = s.job;
  if (node.is_scalar()) {  // model: deepseek-v3
    job.model = models::load_preset(node.as_string(), node.location());
    job.model_source = "preset " + node.as_string();
    return;
  }
  node.allow_only(Keys{"preset", "config", "name", "fields", "overrides"});
  const int sources = node.has("preset") + node.has("config") + node.has("fields");
  if (sources != 1) node.fail("needs exactly one of preset, config or fields", "preset: deepseek-v3, config: path/config.json, or fields: {...}");
  if (auto preset = node.get("preset")) {
    job.model = models::load_preset(preset->as_string(), preset->location());
    job.model_source = "preset " + preset->as_string();
  } else if (auto config = node.get("config")) {
    std::filesystem::path path = config->as_string();
    if (path.is_relative()) path = std::filesystem::path(scenario_dir) / path;
    job.model = models::load_hf_config_file(path.string(), config->location());
    job.model_source = config->as_string();
  } else {
    const ConfigNode fields = node.require("fields");
    apply_model_fields(fields, job.model);
    job.model_source = "inline fields";
  }
  if (auto name = node.get("name")) job.model.name = name->as_string();
  if (job.model.name.empty()) job.model.name = "custom";
  if (auto overrides = node.get("overrides")) apply_model_fields(*overrides, job.model);
  const std::vector<std::string> problems = models::finalize_model(job.model);
  if (!problems.empty()) node.fail("the model is inconsistent: " + problems.front());
}

void read_training(const ConfigNode& node, Scenario& s) {
  node.allow_only(Keys{"sequence_length", "global_batch", "batch_ramp", "tokens", "precision", "optimizer", "phases"});
  TrainingJob& job = s.job;
  job.sequence_length = static_cast<int>(node.require("sequence_length").as_integer(ranges::kSequenceLength));
  job.global_batch_sequences = static_cast<int>(node.require("global_batch").as_integer(ranges::kGlobalBatch));
  remember(s, node.require("global_batch"));
  job.total_tokens = node.require("tokens").as_quantity(ranges::kTokens);
  if (job.total_tokens < job.tokens_per_step()) node.require("tokens").fail("is less than one step's tokens", "at least global_batch x sequence_length");
  if (auto ramp = node.get("batch_ramp"); ramp && !ramp->is_null()) {  // null: a phase's scenario, no ramp
    ramp->allow_only(Keys{"from", "over_tokens"});
    BatchRamp r;
    r.from_sequences = static_cast<int>(ramp->require("from").as_integer(1, job.global_batch_sequences));
    r.over_tokens = ramp->require("over_tokens").as_quantity(ranges::kTokens);
    if (r.over_tokens > job.total_tokens) ramp->require("over_tokens").fail("exceeds the token budget", "at most training.tokens");
    job.ramp = r;
    remember(s, *ramp);
  }
  // Without a precision key the GPU decides (settle_precision): FP8 where it has FP8 tensor cores.
  if (auto precision = node.get("precision")) {
    const std::string name = precision->as_choice(Keys{"fp8", "fp8-tensor", "mxfp8", "bf16", "fp16"});
    for (auto format : {models::TrainingPrecision::kBf16, models::TrainingPrecision::kFp16, models::TrainingPrecision::kFp8Block,
                        models::TrainingPrecision::kFp8Tensor, models::TrainingPrecision::kMxfp8})
      if (models::precision_name(format) == name) job.precision = models::precision_policy(format);
  }
  if (auto optimizer = node.get("optimizer")) {
    optimizer->allow_only(Keys{"weights", "gradients", "master", "moments"});
    auto bytes = [&](const char* key, double fallback, const Keys& choices) {
      auto v = optimizer->get(key);
      if (!v) return fallback;
      const std::string c = v->as_choice(choices);
      return c == "fp32" ? 4.0 : c == "bf16" || c == "fp16" ? 2.0 : 0.0;
    };
    job.optimizer.weight_bytes = bytes("weights", 2, Keys{"bf16", "fp16", "fp32"});
    job.optimizer.gradient_bytes = bytes("gradients", 4, Keys{"bf16", "fp16", "fp32"});
    job.optimizer.master_bytes = bytes("master", 4, Keys{"fp32", "none"});
    job.optimizer.moment_bytes = bytes("moments", 2, Keys{"bf16", "fp32"});
  }
}

// cluster.calibration: a file relative to the scenario, `none` for the datasheet roofline, or absent for the
// shipped file of the GPU type (hardware/calibration_choice.h). Read after the GPU and its overrides.
void read_calibration(const ConfigNode& cluster, const std::string& scenario_dir, Scenario& s) {
  hw::ClusterSpec& c = s.cluster;
  const std::optional<ConfigNode> named = cluster.get("calibration");
  if (!named) {
    c.calibration = hw::shipped_calibration_for(c.gpu);
    return;
  }
  remember(s, *named);
  const std::string text = named->as_string();
  if (text == "none") return;
  std::filesystem::path path = text;
  if (path.is_relative()) path = std::filesystem::path(scenario_dir) / path;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    named->fail("cannot read calibration file '" + path.string() + "'", "a calibration YAML file (hardware/calibration/FORMAT.md) or none",
                "a relative path is read from the scenario's folder");
  auto calibration = std::make_shared<const hw::Calibration>(hw::load_calibration(path.string()));
  hw::check_calibration_fits(*calibration, c.gpu, named->location());
  c.calibration = std::move(calibration);
}

// NICs per node and, on a multi-plane fat-tree, their planes; read after gpus_per_node and topology.
void read_nics(const ConfigNode& node, hw::ClusterSpec& c) {
  c.nics_per_node = static_cast<int>(node.integer_or("nics_per_node", 1, c.gpus_per_node, c.gpus_per_node));
  if (auto nics = node.get("nics_per_node"); nics && c.gpus_per_node % c.nics_per_node != 0)
    nics->fail(fmt::format("{} NICs do not divide the {} GPUs of a node", c.nics_per_node, c.gpus_per_node),
               "a divisor of gpus_per_node", "GPUs g and g + nics_per_node share a NIC, so each NIC serves as many GPUs");
  c.planes = c.nics_per_node;
  const auto planes = node.get("planes");
  if (!planes) return;
  if (c.topology != hw::TopologyKind::kMultiPlaneFatTree)
    planes->fail(fmt::format("planes on a {} topology", hw::topology_name(c.topology)), "no planes key",
                 "planes apply to topology: multi-plane-fat-tree only");
  c.planes = static_cast<int>(planes->as_integer(1, c.nics_per_node));
  if (c.nics_per_node % c.planes != 0)
    planes->fail(fmt::format("{} planes do not divide the {} NICs of a node", c.planes, c.nics_per_node),
                 "a divisor of nics_per_node", "NIC k of every node sits in plane k mod planes");
}

// `gpus: 512` means a GPU count, which a cluster gives as nodes x gpus_per_node; the nearest key, `gpu`, is
// the GPU type, so the did-you-mean allow_only would give is replaced by where the count goes.
void refuse_gpu_count(const ConfigNode& cluster) {
  for (const char* key : {"gpus", "num_gpus", "gpu_count", "world_size"}) {
    const std::optional<ConfigNode> value = cluster.get(key);
    if (!value || !value->is_scalar()) continue;
    const std::string text = value->as_string();
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long long per_node = cluster.integer_or("gpus_per_node", ranges::kGpusPerNode, 8);
    const long long count = std::stoll(text.substr(0, 15));
    std::string hint = "the GPU count is nodes x gpus_per_node";
    if (count > 0 && count % per_node == 0)
      hint += fmt::format(": nodes: {} gives {} GPUs at {} per node", count / per_node, count, per_node);
    value->fail("unknown key '" + std::string(key) + "': a GPU count is not a key of its own",
                "nodes and gpus_per_node (GPU type: gpu)", hint);
  }
}

// cluster.failures: `none`, or a mapping of the fields of hw::FailureSpec; what is not given keeps Llama 3's
// published figures (hardware/failure_spec.h).
void read_failures(const ConfigNode& node, hw::FailureSpec& f) {
  if (node.is_scalar()) {
    node.as_choice(Keys{"none"});
    f.enabled = false;
    return;
  }
  node.allow_only(Keys{"gpu_mtbf", "checkpoint_write_bandwidth", "checkpoint_read_bandwidth", "restart_time",
                       "checkpoint_interval"});
  f.gpu_mtbf_s = node.quantity_or("gpu_mtbf", ranges::kGpuMtbf, f.gpu_mtbf_s);
  f.checkpoint_write_bytes_per_s = node.quantity_or("checkpoint_write_bandwidth", ranges::kBandwidth, f.checkpoint_write_bytes_per_s);
  f.checkpoint_read_bytes_per_s = node.quantity_or("checkpoint_read_bandwidth", ranges::kBandwidth, f.checkpoint_read_bytes_per_s);
  if (node.get("restart_time")) {
    f.restart_s = node.require("restart_time").as_quantity(ranges::kRestartTime);
    f.restart_assumed = false;
  }
  if (node.get("checkpoint_interval"))
    f.checkpoint_interval_s = node.require("checkpoint_interval").as_quantity(ranges::kCheckpointInterval);
}

void read_cluster(const ConfigNode& node, const std::string& scenario_dir, Scenario& s) {
  refuse_gpu_count(node);
  node.allow_only(Keys{"gpu", "nodes", "gpus_per_node", "nvlink_bandwidth", "nvlink_latency", "nic_bandwidth",
                       "nic_latency", "nics_per_node", "topology", "planes", "price_per_gpu_hour", "comm_sms", "calibration",
                       "memory_reserve", "failures", "power", "capex", "network_failures"});
  hw::ClusterSpec& c = s.cluster;
  const ConfigNode gpu = node.require("gpu");
  if (gpu.is_scalar()) {
    c.gpu = hw::find_gpu(gpu.as_string(), gpu.location());
  } else {
    c.gpu = hw::find_gpu(gpu.require("type").as_string(), gpu.require("type").location());
    hw::read_gpu_fields(gpu, c.gpu, Keys{"type"});
  }
  remember(s, gpu);
  c.nodes = static_cast<int>(node.require("nodes").as_integer(ranges::kNodes));
  c.gpus_per_node = static_cast<int>(node.integer_or("gpus_per_node", ranges::kGpusPerNode, 8));
  remember(s, node.require("nodes"));
  c.nvlink_bandwidth_bytes_per_s = node.quantity_or("nvlink_bandwidth", ranges::kBandwidth, c.gpu.nvlink_bandwidth_bytes_per_s);
  c.nic_bandwidth_bytes_per_s = node.quantity_or("nic_bandwidth", ranges::kBandwidth, c.gpu.nic_bandwidth_bytes_per_s);
  // Defaults: 64 B latencies measured by DeepSeek (ISCA 2025): NVLink 3.33 us, IB 3.7 us across leaves.
  c.nvlink_latency_s = node.quantity_or("nvlink_latency", ranges::kLatency, 3.33e-6);
  c.nic_latency_s = node.quantity_or("nic_latency", ranges::kLatency, 3.7e-6);
  c.price_usd_per_gpu_s = node.quantity_or("price_per_gpu_hour", ranges::kPricePerGpuHour, c.gpu.price_usd_per_s);
  c.memory_reserve_bytes = node.quantity_or("memory_reserve", ranges::kMemoryReserve, c.memory_reserve_bytes);
  if (auto topology = node.get("topology")) {
    // Every kind with a builder (hardware/topology_builder.h), of 64-port switches (topology_params).
    const std::string t = topology->as_choice(
        Keys{"fat-tree", "multi-plane-fat-tree", "rail-optimized", "fat-tree-3", "slim-fly", "dragonfly"});
    for (hw::TopologyKind kind : hw::all_topology_kinds())
      if (hw::topology_name(kind) == t) c.topology = kind;
  }
  read_nics(node, c);
  // DeepSeek-V3's 20 SMs for its communication kernels (docs/sources.md#deepseek-v3-cluster) by default; the host
  // runs no communication kernel (its loop is one device), and no device gives them all its SMs.
  const int default_comm_sms = c.gpu.key == hw::kHostGpuKey ? 0 : std::min(20, c.gpu.sm_count - 1);
  c.comm_sm_count = static_cast<int>(node.integer_or("comm_sms", 0, c.gpu.sm_count - 1, default_comm_sms));
  read_calibration(node, scenario_dir, s);
  if (auto failures = node.get("failures")) read_failures(*failures, c.failures);
  const hw::GpuPowerDefaults gpu_power = hw::gpu_power_defaults(c.gpu.key);
  c.power.gpu_idle_w = gpu_power.idle_w;
  c.power.node_overhead_w = gpu_power.node_overhead_w;
  if (auto power = node.get("power")) read_power(*power, c);
  check_gpu_idle(node, c);
  if (auto capex = node.get("capex")) read_capex(*capex, c);
  if (auto failures = node.get("network_failures")) read_network_failures(*failures, s.seed, c);
}

// "key.path=value" from --set onto the tree, each located at "--set key.path".
void apply_overrides(ConfigNode& root, std::span<const std::string> overrides) {
  for (const std::string& text : overrides) {
    const size_t equals = text.find('=');
    if (equals == std::string::npos)
      throw ConfigError(SourceLocation{"--set", 0, 0, ""}, "'" + text + "' has no value",
                        "KEY.PATH=VALUE, such as parallelism.pp=8");
    const std::string key_path = text.substr(0, equals);
    root.set_from_text(key_path, text.substr(equals + 1), "--set " + key_path);
  }
}

// FP8 GEMMs need FP8 tensor cores, which a GPU lacks where its fp8_peak is 0 (hardware/gpu_catalog.yaml): an
// FP8 run there would be priced at BF16 rates without a word. MXFP8 needs MX block scaling in the tensor cores
// (GpuSpec::mxfp8). Without a precision key the GPU decides: FP8 (DeepSeek's block scaling) where it has FP8
// tensor cores, else BF16, with a note.
void settle_precision(const ConfigNode& training, Scenario& s) {
  const hw::GpuSpec& gpu = s.cluster.gpu;
  std::string upper = gpu.key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::optional<ConfigNode> precision = training.get("precision");
  const models::TrainingPrecision format = s.job.precision.format;
  if (!precision) {
    s.job.precision = models::precision_policy(gpu.fp8_peak_flops_per_s > 0 ? models::TrainingPrecision::kFp8Block
                                                                            : models::TrainingPrecision::kBf16);
    if (gpu.fp8_peak_flops_per_s <= 0)
      s.job.notes.push_back(fmt::format("{} has no FP8 tensor cores: bf16", gpu.key));
    return;
  }
  if (format == models::TrainingPrecision::kMxfp8 && !gpu.mxfp8)
    precision->fail(fmt::format("mxfp8 on a GPU without MX block-scaled FP8 tensor cores ({})", gpu.key),
                    gpu.fp8_peak_flops_per_s > 0 ? "fp8, fp8-tensor, bf16 or fp16 on this GPU" : "bf16 or fp16 on this GPU",
                    fmt::format("MXFP8 runs on Blackwell tensor cores (b200); the {} {}", upper,
                                gpu.fp8_peak_flops_per_s > 0 ? "has FP8 with per-tensor or block scales: precision: fp8-tensor or fp8"
                                                             : "has no FP8 tensor cores: precision: bf16"));
  if (s.job.precision.fp8_gemms && gpu.fp8_peak_flops_per_s <= 0)
    precision->fail(fmt::format("{} on a GPU without FP8 tensor cores ({})", models::precision_name(format), gpu.key),
                    "bf16 on this GPU", fmt::format("precision: bf16 (the {} has no FP8 tensor cores)", upper));
}

}  // namespace

SourceLocation Scenario::where(const std::string& key_path) const {
  // A key left to its default points at the nearest part of the file that holds it.
  for (std::string path = key_path;;) {
    if (auto it = locations.find(path); it != locations.end()) {
      SourceLocation at = it->second;
      at.key_path = key_path;
      return at;
    }
    const size_t dot = path.rfind('.');
    if (dot == std::string::npos) return SourceLocation{source, 0, 0, key_path};
    path.resize(dot);
  }
}

Scenario parse_scenario(const std::string& text, const std::string& source, std::span<const std::string> overrides) {
  ConfigNode root = ConfigNode::parse(text, source);
  apply_overrides(root, overrides);
  if (!root.is_map()) root.fail("is not a scenario", "a mapping with model, training, parallelism and cluster");
  root.allow_only(Keys{"name", "description", "seed", "model", "training", "parallelism", "cluster", "routing"});
  Scenario s;
  s.source = source;
  s.seed = static_cast<uint64_t>(root.integer_or("seed", ranges::kSeed, 0));
  const std::string dir = std::filesystem::path(source).parent_path().string();
  read_model(root.require("model"), dir, s);
  read_training(root.require("training"), s);
  read_parallelism(root.require("parallelism"), s);  // parallelism_section.h
  if (auto routing = root.get("routing")) read_routing(*routing, dir, s);  // expert routing: routing_section.h
  read_cluster(root.require("cluster"), dir, s);
  if (s.layout.dp == 0) derive_data_parallel(s);
  settle_precision(root.require("training"), s);
  check_layout_rules(s);
  if (auto phases = root.require("training").get("phases")) read_training_phases(*phases, text, source, overrides, s);
  return s;
}

Scenario load_scenario(const std::string& path, std::span<const std::string> overrides) {
  if (path == "-") {
    // Standard input can be read once; a command that loads its scenario twice (schedule --scenario -) or is
    // given - twice reads the same text each time.
    static const std::string text =
        read_input_stream(std::cin, "standard input", "scenario", kScenarioFileMaxBytes, {"<stdin>", 0, 0, ""});
    return parse_scenario(text, "<stdin>", overrides);
  }
  return parse_scenario(read_yaml_file(path, "scenario file", kScenarioFileMaxBytes), path, overrides);
}

}  // namespace trainsim::sim
