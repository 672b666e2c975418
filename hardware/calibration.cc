// Reading a calibration file (hardware/calibration/FORMAT.md) through the schema-checked YAML reader, so every
// error names file:line:col and the key path. Each rule below has its own test in calibration_test.cc.
#include "hardware/calibration.h"

#include <cmath>
#include <regex>

#include <fmt/ranges.h>

#include "core/input_file.h"
#include "core/yaml_reader.h"
#include "hardware/gpu_catalog.h"
#include "hardware/host_device.h"

namespace trainsim::hw {
namespace {

using Keys = std::vector<std::string>;

constexpr models::OpKind kOpKinds[] = {
    models::OpKind::kGemm,     models::OpKind::kGroupedGemm, models::OpKind::kAttention, models::OpKind::kNorm,
    models::OpKind::kElementwise, models::OpKind::kQuantize, models::OpKind::kRouter, models::OpKind::kPermute,
    models::OpKind::kEmbedding, models::OpKind::kCommunication};
constexpr models::Dtype kDtypes[] = {models::Dtype::kFp8, models::Dtype::kBf16, models::Dtype::kFp32};
constexpr models::Pass kPasses[] = {models::Pass::kForward, models::Pass::kBackwardInput, models::Pass::kBackwardWeight};
constexpr CalibrationSourceKind kSourceKinds[] = {CalibrationSourceKind::kTrace, CalibrationSourceKind::kKernels,
                                                  CalibrationSourceKind::kPublished};

// The enum value whose name `node` holds; fails with the list of names and a did-you-mean hint.
template <typename Enum, size_t N, typename NameOf>
Enum read_enum(const ConfigNode& node, const Enum (&values)[N], NameOf name_of) {
  Keys names;
  for (Enum v : values) names.emplace_back(name_of(v));
  const std::string chosen = node.as_choice(names);
  for (Enum v : values)
    if (name_of(v) == chosen) return v;
  node.fail("unreachable");
}

models::OpKind read_op_kind(const ConfigNode& node) { return read_enum(node, kOpKinds, models::op_kind_name); }

CalibrationDevice read_device(const ConfigNode& node) {
  node.allow_only(Keys{"gpu", "name", "sm_count", "boost_clock", "driver", "cuda"});
  CalibrationDevice d;
  const ConfigNode gpu = node.require("gpu");
  d.gpu = find_gpu(gpu.as_string(), gpu.location()).key;
  d.gpu_at = gpu.location();
  d.name = node.require("name").as_string();
  const ConfigNode sms = node.require("sm_count");
  d.sm_count = static_cast<int>(sms.as_integer(1, 10000));
  d.sm_count_at = sms.location();
  const ConfigNode clock = node.require("boost_clock");
  d.boost_clock_hz = clock.as_quantity(Dimension::kHertz);
  // The host's clock is 0 where its kernel exposes none (hardware/host_device.h); a GPU's is always known.
  if (d.boost_clock_hz < 0 || (d.boost_clock_hz == 0 && d.gpu != kHostGpuKey))
    clock.fail("must be positive", "a clock rate such as \"1.98 GHz\" (0 Hz only for the host)");
  d.boost_clock_at = clock.location();
  d.driver = node.require("driver").as_string();
  d.cuda = node.require("cuda").as_string();
  return d;
}

CalibrationSource read_source(const ConfigNode& node) {
  node.allow_only(Keys{"kind", "description", "url", "date"});
  CalibrationSource s;
  s.kind = read_enum(node.require("kind"), kSourceKinds, calibration_source_name);
  s.description = node.require("description").as_string();
  s.url = node.string_or("url", "");
  const ConfigNode date = node.require("date");
  s.date = date.as_string();
  static const std::regex kIsoDate(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
  if (!std::regex_match(s.date, kIsoDate))
    date.fail("'" + s.date + "' is not a date", "a date written YYYY-MM-DD, such as 2025-04-09");
  return s;
}

std::vector<ShapeDim> read_shape(const ConfigNode& node) {
  node.require_map();
  node.allow_only(shape_dim_names());
  std::vector<ShapeDim> shape;
  for (const std::string& name : node.keys())
    shape.push_back({name, node.require(name).as_integer(1, 1'000'000'000'000'000LL)});
  if (shape.empty()) node.fail("has no dimensions", "named sizes such as {m: 4096, n: 7168, k: 2048}");
  return shape;
}

// `achieved` is the published rate the time was derived from: it must give back the time with the GEMM's
// 2 FLOPs per multiply-add, or the file was typed wrong.
void check_achieved_rate(const ConfigNode& entry, const ConfigNode& achieved, const MeasuredPoint& p) {
  const bool gemm = p.op == models::OpKind::kGemm || p.op == models::OpKind::kGroupedGemm;
  const long long groups = p.op == models::OpKind::kGroupedGemm ? p.dim("groups") : 1;
  if (!gemm || p.dim("m") == 0 || p.dim("n") == 0 || p.dim("k") == 0 || groups == 0)
    achieved.fail("needs a GEMM point to check it against the time",
                  "op gemm with shape m, n, k, or grouped_gemm with groups, m, n, k", "leave achieved out otherwise");
  const double flops = 2.0 * static_cast<double>(groups) * static_cast<double>(p.dim("m")) *
                       static_cast<double>(p.dim("n")) * static_cast<double>(p.dim("k"));
  const double implied_s = flops / p.achieved_flops_per_s;
  // NOTE: 0.1% allows the time to be written with four or five significant digits.
  if (std::fabs(p.seconds - implied_s) > 1e-3 * implied_s)
    entry.require("time").fail(fmt::format("{} does not match the achieved rate: 2 x {}m x n x k FLOPs at {} take {}",
                                           format_quantity(p.seconds, Dimension::kSeconds),
                                           groups > 1 ? "groups x " : "",
                                           format_quantity(p.achieved_flops_per_s, Dimension::kFlopsPerSecond),
                                           format_quantity(implied_s, Dimension::kSeconds)),
                               "the time the achieved rate gives, within 0.1%");
}

// The dimensions a group member's shape must give, by op kind: what an op-time model prices it by.
std::vector<std::string> required_dims(models::OpKind op) {
  switch (op) {
    case models::OpKind::kGemm: return {"m", "n", "k"};
    case models::OpKind::kGroupedGemm: return {"groups", "m", "n", "k"};
    case models::OpKind::kAttention: return {"batch", "heads", "seq_q", "seq_kv", "head_dim", "value_dim"};
    case models::OpKind::kCommunication: return {};
    default: return {"bytes"};  // memory-bound: the HBM bytes the op reads and writes
  }
}

GroupMember read_member(const ConfigNode& node, const MeasuredPoint& group, const ConfigNode& group_node) {
  node.allow_only(Keys{"op", "dtype", "shape", "recomputed", "note"});
  GroupMember m;
  m.at = node.location();
  const ConfigNode op = node.require("op");
  m.op = read_op_kind(op);
  m.dtype = read_enum(node.require("dtype"), kDtypes, models::dtype_name);
  m.recomputed = node.bool_or("recomputed", false);
  m.note = node.string_or("note", "");
  const ConfigNode shape = node.require("shape");
  m.shape = read_shape(shape);
  const std::optional<KernelFamily> family = kernel_family_of(m.op, m.dtype, *group.pass, m.recomputed);
  if (family != group.family)
    op.fail(fmt::format("{} in {} in pass {}{} falls in {}, not in the group's family {} ({})", models::op_kind_name(m.op),
                        models::dtype_name(m.dtype), models::pass_name(*group.pass), m.recomputed ? ", recomputed," : "",
                        family ? kernel_family_name(*family) : "no kernel family", kernel_family_name(*group.family),
                        group_node.require("family").location().to_string()),
            fmt::format("an op whose kernel is a {} one (hardware/kernel_family.h)", kernel_family_name(*group.family)),
            "a group holds the catalog ops of one kernel family; put the op in its family's group");
  for (const std::string& name : required_dims(m.op))
    if (m.dim(name) == 0)
      shape.fail(fmt::format("has no '{}'", name),
                 fmt::format("a {} member's shape with {}", models::op_kind_name(m.op), fmt::join(required_dims(m.op), ", ")));
  return m;
}

// A group point: a trace's kernels of one family in one block of one layer, summed, and the catalog ops
// (members) they implement.
MeasuredPoint read_group_point(const ConfigNode& node, const CalibrationDevice& device) {
  if (node.has("op"))
    node.require("op").fail("given with family", "either op (a single kernel call) or family (a group of kernels)",
                            "a group point names its ops under members");
  node.allow_only(Keys{"family", "pass", "group", "kernels", "time", "sms", "members", "note"});
  MeasuredPoint p;
  p.at = node.location();
  Keys families;
  for (int f = 0; f < kKernelFamilyCount; ++f) families.emplace_back(kernel_family_name(static_cast<KernelFamily>(f)));
  p.family = kernel_family_from_name(node.require("family").as_choice(families));
  p.pass = read_enum(node.require("pass"), kPasses, models::pass_name);
  const ConfigNode group = node.require("group");
  p.group = group.as_string();
  if (p.group.empty()) group.fail("is empty", "which block of which layer, such as \"layer 0 attn F\"");
  p.kernels = static_cast<int>(node.require("kernels").as_integer(1, 1'000'000'000));
  const ConfigNode time = node.require("time");
  p.seconds = time.as_quantity(Dimension::kSeconds);
  if (p.seconds <= 0) time.fail("must be positive", "the group's kernel times summed, such as \"1.646 ms\"");
  p.sm_count = static_cast<int>(node.integer_or("sms", 1, device.sm_count, device.sm_count));
  p.note = node.string_or("note", "");
  const ConfigNode members = node.require("members");
  for (const ConfigNode& entry : members.elements()) p.members.push_back(read_member(entry, p, node));
  if (p.members.empty()) members.fail("is empty", "the catalog ops the group's kernels implement, at least one");
  return p;
}

MeasuredPoint read_point(const ConfigNode& node, const CalibrationDevice& device) {
  if (node.has("family")) return read_group_point(node, device);
  node.allow_only(Keys{"op", "dtype", "pass", "shape", "time", "achieved", "sms", "note", "catalog_op"});
  MeasuredPoint p;
  p.at = node.location();
  p.op = read_op_kind(node.require("op"));
  p.dtype = read_enum(node.require("dtype"), kDtypes, models::dtype_name);
  if (auto pass = node.get("pass")) p.pass = read_enum(*pass, kPasses, models::pass_name);
  p.shape = read_shape(node.require("shape"));
  const ConfigNode time = node.require("time");
  p.seconds = time.as_quantity(Dimension::kSeconds);
  if (p.seconds <= 0) time.fail("must be positive", "the time of one kernel call, such as \"12.5 us\"");
  p.sm_count = static_cast<int>(node.integer_or("sms", 1, device.sm_count, device.sm_count));
  p.note = node.string_or("note", "");
  p.catalog_op = node.string_or("catalog_op", "");
  if (auto achieved = node.get("achieved")) {
    p.achieved_flops_per_s = achieved->as_quantity(Dimension::kFlopsPerSecond);
    if (p.achieved_flops_per_s <= 0) achieved->fail("must be positive", "a compute rate such as \"1127 TFLOPS\"");
    check_achieved_rate(node, *achieved, p);
  }
  return p;
}

FittedModel read_fit(const ConfigNode& node, KernelFamily family) {
  node.allow_only(Keys{"model", "parameters", "residuals"});
  FittedModel f;
  f.family = family;
  f.model = node.require("model").as_string();
  const ConfigNode parameters = node.require("parameters");
  parameters.require_map();
  for (const std::string& name : parameters.keys()) f.parameters.emplace_back(name, parameters.require(name).as_number());
  const ConfigNode residuals = node.require("residuals");
  residuals.allow_only(Keys{"points", "rms_relative", "max_relative", "held_out_rms_relative"});
  f.points_fitted = static_cast<int>(residuals.require("points").as_integer(1, 1'000'000'000));
  auto relative = [&](const ConfigNode& r) {
    const double v = r.as_number();
    if (v < 0) r.fail("is negative", "a relative error of 0 or more, such as 0.04 for 4%");
    return v;
  };
  f.rms_relative_error = relative(residuals.require("rms_relative"));
  f.max_relative_error = relative(residuals.require("max_relative"));
  if (auto held_out = residuals.get("held_out_rms_relative")) f.held_out_rms_relative_error = relative(*held_out);
  return f;
}

// `{bytes: N, time: "9.8 ms"}`: a measured pass over memory (MeasuredPass); `what` names it in an error.
MeasuredPass read_pass(const ConfigNode& node, const std::string& what) {
  node.allow_only(Keys{"bytes", "time"});
  const ConfigNode bytes = node.require("bytes"), time = node.require("time");
  MeasuredPass pass;
  pass.bytes = static_cast<double>(bytes.as_integer(1, 1LL << 50));
  pass.seconds = time.as_quantity(Dimension::kSeconds);
  if (pass.seconds <= 0) time.fail("must be positive", what + " time, such as \"9.8 ms\"");
  return pass;
}

}  // namespace

std::string_view calibration_source_name(CalibrationSourceKind kind) {
  switch (kind) {
    case CalibrationSourceKind::kTrace: return "trace";
    case CalibrationSourceKind::kKernels: return "kernels";
    case CalibrationSourceKind::kPublished: return "published";
  }
  return "unknown";
}

const std::vector<std::string>& shape_dim_names() {
  // GEMMs: m, n, k (grouped: groups, m per group); attention: batch, heads, seq_q, seq_kv, head_dim, value_dim;
  // memory-bound and communication ops: tokens, hidden, elements, bytes; MoE: experts, top_k.
  static const std::vector<std::string> names{"m",      "n",         "k",      "groups",  "batch",    "heads",
                                              "seq_q",  "seq_kv",    "head_dim", "value_dim", "tokens", "hidden",
                                              "elements", "bytes",   "experts", "top_k"};
  return names;
}

long long MeasuredPoint::dim(std::string_view name, long long fallback) const {
  for (const ShapeDim& d : shape)
    if (d.name == name) return d.size;
  return fallback;
}

long long GroupMember::dim(std::string_view name, long long fallback) const {
  for (const ShapeDim& d : shape)
    if (d.name == name) return d.size;
  return fallback;
}

KernelFamily MeasuredPoint::kernel_family() const {
  if (family) return *family;
  const std::optional<KernelFamily> f = kernel_family_of(op, dtype, pass.value_or(models::Pass::kForward));
  TS_CHECK(f.has_value(), "a {} point has no kernel family", models::op_kind_name(op));
  return *f;
}

std::vector<std::pair<KernelFamily, int>> Calibration::points_by_family() const {
  std::vector<std::pair<KernelFamily, int>> out;
  for (int f = 0; f < kKernelFamilyCount; ++f) {
    const auto family = static_cast<KernelFamily>(f);
    int count = 0;
    for (const MeasuredPoint& p : points) {
      // A single communication point falls in no family: it calibrates no compute model.
      const std::optional<KernelFamily> of_point =
          p.family ? p.family : kernel_family_of(p.op, p.dtype, p.pass.value_or(models::Pass::kForward));
      count += of_point == family ? 1 : 0;
    }
    if (count > 0) out.emplace_back(family, count);
  }
  return out;
}

Calibration parse_calibration(const std::string& text, const std::string& file_name) {
  const ConfigNode root = ConfigNode::parse(text, file_name);
  if (!root.is_map()) root.fail("is not a calibration", "a mapping with format, device, source and points");
  root.allow_only(Keys{"format", "device", "source", "law", "points", "optimizer", "gradient_zeroing", "fits"});
  root.require("format").as_integer(1, 1);  // the only version so far; a change of meaning bumps it
  Calibration c;
  c.file = file_name;
  c.device = read_device(root.require("device"));
  c.source = read_source(root.require("source"));
  if (auto law = root.get("law")) {
    const std::string name = law->as_choice(Keys{"fits", "points"});
    c.law = name == "points" ? CalibrationLaw::kPoints : CalibrationLaw::kFits;
  }
  if (auto optimizer = root.get("optimizer")) c.optimizer = read_pass(*optimizer, "the optimizer step's");
  if (auto zeroing = root.get("gradient_zeroing"))
    c.gradient_zeroing = read_pass(*zeroing, "the gradient buffer's zeroing");
  const ConfigNode points = root.require("points");
  for (const ConfigNode& entry : points.elements()) c.points.push_back(read_point(entry, c.device));
  if (c.points.empty()) points.fail("is empty", "at least one measured point");
  if (auto fits = root.get("fits")) {
    fits->require_map();
    Keys families;
    for (int f = 0; f < kKernelFamilyCount; ++f) families.emplace_back(kernel_family_name(static_cast<KernelFamily>(f)));
    fits->allow_only(families);
    for (const std::string& key : fits->keys())
      c.fits.push_back(read_fit(fits->require(key), *kernel_family_from_name(key)));
  }
  return c;
}

Calibration load_calibration(const std::string& path) {
  return parse_calibration(read_yaml_file(path, "calibration file", kCalibrationFileMaxBytes), path);
}

}  // namespace trainsim::hw
