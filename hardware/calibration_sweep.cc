// The kernel calls of a scenario and the sweep around them (calibration_sweep.h), and their plan file.
#include "hardware/calibration_sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <tuple>

#include "core/error.h"

namespace trainsim::hw {
namespace {

// A sweep step: dimensions scaled by num/den together ("seq" scales seq_q and seq_kv).
struct Step {
  std::vector<std::string_view> dims;
  long long num = 1, den = 1;
  std::string_view label;
};

const std::vector<Step>& steps_of(models::OpKind op, KernelFamily family) {
  static const std::vector<Step> kGemm{{{"m"}, 1, 4, "m x 1/4"}, {{"m"}, 1, 2, "m x 1/2"}, {{"m"}, 2, 1, "m x 2"},
                                       {{"n"}, 1, 2, "n x 1/2"}, {{"n"}, 2, 1, "n x 2"},   {{"k"}, 1, 2, "k x 1/2"},
                                       {{"k"}, 2, 1, "k x 2"}};
  static const std::vector<Step> kGrouped{
      {{"m"}, 1, 4, "m x 1/4"}, {{"m"}, 1, 2, "m x 1/2"}, {{"m"}, 2, 1, "m x 2"}};
  static const std::vector<Step> kAttention{{{"seq_q", "seq_kv"}, 1, 2, "seq x 1/2"},
                                            {{"seq_q", "seq_kv"}, 2, 1, "seq x 2"}};
  static const std::vector<Step> kMemory{{{"bytes"}, 1, 4, "bytes x 1/4"}, {{"bytes"}, 4, 1, "bytes x 4"}};
  if (op == models::OpKind::kGroupedGemm) return kGrouped;
  if (op == models::OpKind::kGemm) return kGemm;
  if (op == models::OpKind::kAttention) return kAttention;
  TS_CHECK(family == KernelFamily::kMemoryBound, "op kind {} has no sweep", models::op_kind_name(op));
  return kMemory;
}

// The pass that picks the family's kernel (KernelCall::pass).
models::Pass kernel_pass(KernelFamily family) {
  if (family == KernelFamily::kFp8WeightGemm) return models::Pass::kBackwardWeight;
  if (family == KernelFamily::kAttentionBackward) return models::Pass::kBackwardInput;
  return models::Pass::kForward;
}

// The op's shape as a calibration point names it; empty where the op gives no kernel to time.
std::vector<ShapeDim> shape_of(const models::Op& op) {
  if (const auto* g = std::get_if<models::GemmDims>(&op.shape)) {
    // A plan times balanced kernels; each group of an uneven grouped GEMM is a call of its own (group()).
    TS_CHECK(!g->uneven(), "op '{}' has uneven groups: a kernel call is one group of them", op.name);
    std::vector<ShapeDim> s;
    if (op.kind == models::OpKind::kGroupedGemm) s.push_back({"groups", g->groups});
    s.insert(s.end(), {{"m", g->rows_per_group}, {"n", g->n}, {"k", g->k}});
    return s;
  }
  if (const auto* a = std::get_if<models::AttentionDims>(&op.shape)) {
    // A context-parallel rank's core is two query chunks against the gathered keys: no one call of the
    // harness's attention (seq_q = seq_kv) runs it.
    if (a->context_parallel > 1) return {};
    return {{"batch", a->batch},   {"heads", a->heads},         {"seq_q", a->seq},
            {"seq_kv", a->seq},    {"head_dim", a->qk_head_dim}, {"value_dim", a->v_head_dim}};
  }
  if (op.kind == models::OpKind::kGemm || op.kind == models::OpKind::kGroupedGemm ||
      op.kind == models::OpKind::kAttention)
    return {};  // built by hand without a shape: nothing the harness could run
  const auto bytes = static_cast<long long>(std::llround(op.hbm_bytes));
  if (bytes <= 0) return {};
  return {{"bytes", bytes}};
}

using Key = std::tuple<KernelFamily, models::OpKind, models::Dtype, std::vector<std::pair<std::string, long long>>>;

Key key_of(const KernelCall& c) {
  std::vector<std::pair<std::string, long long>> dims;
  for (const ShapeDim& d : c.shape) dims.emplace_back(d.name, d.size);
  return {c.family, c.op, c.dtype, std::move(dims)};
}

KernelCall stepped(const KernelCall& base, const Step& step) {
  KernelCall c = base;
  c.sweep = std::string(step.label);
  c.ops.clear();
  for (ShapeDim& d : c.shape)
    if (std::find(step.dims.begin(), step.dims.end(), d.name) != step.dims.end())
      d.size = std::max(1LL, d.size * step.num / step.den);
  return c;
}

}  // namespace

long long KernelCall::dim(std::string_view name, long long fallback) const {
  for (const ShapeDim& d : shape)
    if (d.name == name) return d.size;
  return fallback;
}

std::optional<KernelCall> kernel_call_of(const models::Op& op) {
  const std::optional<KernelFamily> family = kernel_family_of(op);
  if (!family) return std::nullopt;
  KernelCall c;
  c.family = *family;
  c.op = op.kind;
  c.dtype = op.dtype;
  c.pass = kernel_pass(*family);
  c.shape = shape_of(op);
  if (c.shape.empty()) return std::nullopt;
  return c;
}

std::vector<KernelCall> calibration_sweep(std::span<const models::LayerOps> layers, std::span<const int> sm_counts) {
  std::vector<int> sms;
  for (int n : sm_counts) {
    TS_CHECK(n >= 1, "a kernel call on {} SMs", n);
    if (std::find(sms.begin(), sms.end(), n) == sms.end()) sms.push_back(n);
  }
  TS_CHECK(!sms.empty(), "a sweep needs an SM count");

  // The scenario's distinct shapes, in order of first appearance, with the catalog ops that have them.
  std::vector<KernelCall> bases;
  std::map<Key, std::size_t> base_index;
  for (const models::LayerOps& layer : layers)
    for (const models::Op& op : layer.ops) {
      std::optional<KernelCall> c = kernel_call_of(op);
      if (!c) continue;
      const auto [it, added] = base_index.emplace(key_of(*c), bases.size());
      if (added) bases.push_back(std::move(*c));
      std::vector<std::string>& names = bases[it->second].ops;
      if (std::find(names.begin(), names.end(), op.name) == names.end()) names.push_back(op.name);
    }

  std::vector<KernelCall> out;
  std::set<Key> emitted;
  auto emit = [&](const KernelCall& shape) {
    if (!emitted.insert(key_of(shape)).second) return;
    for (int n : sms) {
      KernelCall c = shape;
      c.sms = n;
      out.push_back(std::move(c));
    }
  };
  for (int f = 0; f < kKernelFamilyCount; ++f) {
    for (const KernelCall& base : bases) {
      if (static_cast<int>(base.family) != f) continue;
      emit(base);
      for (const Step& step : steps_of(base.op, base.family)) {
        const KernelCall c = stepped(base, step);
        if (!base_index.contains(key_of(c))) emit(c);
      }
    }
  }
  std::array<int, kKernelFamilyCount> index{};
  for (KernelCall& c : out)
    c.id = fmt::format("{}.{:03}", kernel_family_name(c.family), index[static_cast<std::size_t>(c.family)]++);
  return out;
}

std::string format_calibration_plan(const std::vector<KernelCall>& calls, const CalibrationPlanSource& source) {
  using nlohmann::ordered_json;
  ordered_json head;
  head["format"] = 1;
  head["scenario"] = source.scenario;
  head["device"] = {{"gpu", source.gpu},
                    {"sm_count", source.sm_count},
                    {"boost_clock_hz", source.boost_clock_hz},
                    {"comm_sm_count", source.comm_sm_count}};
  std::string text = head.dump(2);
  text.resize(text.size() - 2);  // the line break and closing brace: the calls follow, one a line
  text += ",\n  \"calls\": [";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const KernelCall& c = calls[i];
    ordered_json shape = ordered_json::object();
    for (const ShapeDim& d : c.shape) shape[d.name] = d.size;
    ordered_json j{{"id", c.id},
                   {"family", kernel_family_name(c.family)},
                   {"op", models::op_kind_name(c.op)},
                   {"dtype", models::dtype_name(c.dtype)},
                   {"pass", models::pass_name(c.pass)},
                   {"shape", shape},
                   {"sms", c.sms},
                   {"sweep", c.sweep},
                   {"ops", c.ops}};
    text += fmt::format("{}\n    {}", i == 0 ? "" : ",", j.dump());
  }
  text += calls.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return text;
}

}  // namespace trainsim::hw
