// Reading the GPU harness's RESULTS.json and making a calibration of it (kernel_results.h).
#include "hardware/kernel_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_fields.h"
#include "core/read_file.h"
#include "hardware/calibration_choice.h"
#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using nlohmann::json;

constexpr const char* kHint = "kernels/gpu-run.sh writes it from a plan of `trainsim calibrate --device`; "
                              "its form is kernels/CALIBRATION.md";

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]))) return false;
  return true;
}

// The plan call a results entry names: by id, or by op, dtype, pass, shape and sms.
const KernelCall& plan_call(const json& entry, std::span<const KernelCall> plan, const JsonFields& fields,
                            const std::string& path) {
  if (entry.contains("id")) {
    const std::string id = fields.text(entry, "id", path);
    for (const KernelCall& c : plan)
      if (c.id == id) return c;
    fields.malformed(path + ".id", fmt::format("'{}' is no call of the scenario's plan", id),
              "an id of the plan made for this scenario (trainsim calibrate --device --plan)");
  }
  const std::string op = fields.text(entry, "op", path);
  const std::string dtype = fields.text(entry, "dtype", path);
  const std::string pass = entry.contains("pass") ? fields.text(entry, "pass", path) : "F";
  const json& shape = fields.member(entry, "shape", path);
  if (!shape.is_object()) fields.malformed(path + ".shape", fmt::format("is {}", shape.dump()), "named sizes");
  const long long sms = fields.whole(entry, "sms", 1, 100000, path);
  for (const KernelCall& c : plan) {
    if (models::op_kind_name(c.op) != op || models::dtype_name(c.dtype) != dtype ||
        models::pass_name(c.pass) != pass || c.sms != sms || shape.size() != c.shape.size())
      continue;
    const bool same = std::all_of(c.shape.begin(), c.shape.end(), [&](const ShapeDim& d) {
      auto it = shape.find(d.name);
      return it != shape.end() && it->is_number_integer() && it->get<long long>() == d.size;
    });
    if (same) return c;
  }
  fields.malformed(path, fmt::format("{} {} {} {} on {} SMs is no call of the scenario's plan", op, dtype, pass,
                                    shape.dump(), sms),
            "`id`, or the op, dtype, pass, shape and sms of a call of the plan");
}

// The kernel calls of their own a call made (MeasuredCall::kernel_calls). Results files written before the field
// (the 2026-12-04 H200 runs) say it only in the kernel's name, "<kernel> x G groups", which calibration_run gave
// exactly its per-group loops.
int kernel_calls_of(const json& entry, const MeasuredCall& m, const JsonFields& fields, const std::string& path) {
  int calls = 1;
  if (entry.contains("kernel_calls")) {
    calls = static_cast<int>(fields.whole(entry, "kernel_calls", 1, 1000000, path));
  } else if (const std::size_t x = m.kernel.rfind(" x "); x != std::string::npos && m.kernel.ends_with(" groups")) {
    const std::string count = m.kernel.substr(x + 3, m.kernel.size() - x - 3 - std::string(" groups").size());
    if (!count.empty() && std::all_of(count.begin(), count.end(), [](char c) { return std::isdigit(c); }))
      calls = std::stoi(count);
  }
  if (calls == 1) return calls;
  long long groups = 0;
  for (const ShapeDim& d : m.call.shape)
    if (d.name == "groups") groups = d.size;
  if (m.call.op != models::OpKind::kGroupedGemm || groups != calls)
    fields.malformed(path + ".kernel_calls",
                     fmt::format("is {} on {} ({} groups)", calls, m.call.id, groups),
                     "1, or a grouped GEMM's groups where it ran one GEMM call per group");
  return calls;
}

// A call that made a GEMM call per group, as a group point: its groups' dense GEMMs, their times summed.
void make_group_of_its_calls(MeasuredPoint& p, const MeasuredCall& m) {
  const KernelFamily family = p.kernel_family();  // the grouped GEMM's, which its groups' GEMMs share
  GroupMember member;
  member.op = models::OpKind::kGemm;
  member.dtype = m.call.dtype;
  for (const ShapeDim& d : m.call.shape)
    if (d.name != "groups") member.shape.push_back(d);
  member.note = fmt::format("{}", fmt::join(m.call.ops, ", "));
  member.at = m.at;
  p.family = family;
  p.group = fmt::format("{}: its {} groups, one GEMM call each", m.call.id, m.kernel_calls);
  p.kernels = m.kernel_calls;
  p.members.assign(static_cast<std::size_t>(m.kernel_calls), member);
  p.shape.clear();
}

}  // namespace

KernelResults parse_kernel_results(const std::string& text, const std::string& file, std::span<const KernelCall> plan) {
  const JsonFields fields(file, kHint);
  const json root = fields.parse_object(text);
  KernelResults out;
  out.file = file;
  if (fields.whole(root, "format", 1, 1, "") != 1) fields.malformed("format", "unknown", "1");

  const json& device = fields.member(root, "device", "");
  if (!device.is_object()) fields.malformed("device", fmt::format("is {}", device.dump()), "an object");
  KernelResultsDevice& d = out.device;
  d.name = fields.text(device, "name", "device");
  d.sm_count = static_cast<int>(fields.whole(device, "sm_count", 1, 10000, "device"));
  d.boost_clock_hz = fields.positive(device, "boost_clock_hz", "device");
  d.driver = fields.text(device, "driver", "device");
  d.cuda = fields.text(device, "cuda", "device");
  d.sm_count_at = {file, 0, 0, "device.sm_count"};
  d.boost_clock_at = {file, 0, 0, "device.boost_clock_hz"};

  out.date = fields.text(root, "date", "");
  if (!is_date(out.date)) fields.malformed("date", fmt::format("is '{}'", out.date), "YYYY-MM-DD");

  const json& calls = fields.member(root, "calls", "");
  if (!calls.is_array() || calls.empty())
    fields.malformed("calls", fmt::format("is {}", calls.is_array() ? "empty" : calls.dump()), "a non-empty list");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const std::string path = fmt::format("calls[{}]", i);
    const json& entry = calls[i];
    if (!entry.is_object()) fields.malformed(path, fmt::format("is {}", entry.dump()), "an object");
    MeasuredCall m;
    m.call = plan_call(entry, plan, fields, path);
    if (!seen.insert(m.call.id).second)
      fields.malformed(path, fmt::format("measures {} a second time", m.call.id),
                "each plan call once (the harness reports the median of its repetitions)");
    m.seconds = fields.positive(entry, "seconds", path);
    m.sms = static_cast<int>(fields.whole(entry, "sms", 1, d.sm_count, path));
    if (entry.contains("kernel")) m.kernel = fields.text(entry, "kernel", path);
    m.kernel_calls = kernel_calls_of(entry, m, fields, path);
    m.at = {file, 0, 0, path};
    out.calls.push_back(std::move(m));
  }
  return out;
}

KernelResults read_kernel_results(const std::string& path, std::span<const KernelCall> plan) {
  return parse_kernel_results(read_file(path), path, plan);
}

Calibration calibration_from_kernel_results(const KernelResults& results, const GpuSpec& gpu,
                                            const std::string& scenario) {
  Calibration c;
  c.file = results.file;
  const KernelResultsDevice& d = results.device;
  // The catalog GPU the driver's name holds ("NVIDIA H800" -> h800) with the measured SM count.
  std::string lower = d.name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const GpuSpec& g : gpu_catalog())
    if (lower.find(g.key) != std::string::npos && g.sm_count == d.sm_count) c.device.gpu = g.key;
  if (c.device.gpu.empty())
    throw ConfigError(SourceLocation{results.file, 0, 0, "device.name"},
                      fmt::format("device '{}' with {} SMs is no GPU of the catalog", d.name, d.sm_count),
                      fmt::format("one of {} with its SM count", fmt::join(gpu_keys(), ", ")),
                      "add the GPU to hardware/gpu_catalog.yaml");
  c.device.name = d.name;
  c.device.sm_count = d.sm_count;
  c.device.boost_clock_hz = d.boost_clock_hz;
  c.device.driver = d.driver;
  c.device.cuda = d.cuda;
  c.device.gpu_at = SourceLocation{results.file, 0, 0, "device.name"};
  c.device.sm_count_at = d.sm_count_at;
  c.device.boost_clock_at = d.boost_clock_at;
  check_calibration_fits(c, gpu, SourceLocation{results.file, 0, 0, "device"});

  c.source.kind = CalibrationSourceKind::kKernels;
  c.source.description = fmt::format(
      "the project's kernels (kernels/) timed one call at a time by kernels/gpu-run.sh, {} calls: the kernel shapes "
      "of {} and a sweep around them (hardware/calibration_sweep.h)",
      results.calls.size(), scenario);
  c.source.date = results.date;
  for (const MeasuredCall& m : results.calls) {
    MeasuredPoint p;
    p.op = m.call.op;
    p.dtype = m.call.dtype;
    p.pass = m.call.pass;
    p.shape = m.call.shape;
    p.seconds = m.seconds;
    p.sm_count = m.sms;
    // The id, the kernel that ran it where the results say (a planning sweep keeps the fastest of several), and
    // what the call stands for.
    const std::string id = m.kernel.empty() ? m.call.id : fmt::format("{} ({})", m.call.id, m.kernel);
    p.note = m.call.sweep.empty() ? fmt::format("{}: {}", id, fmt::join(m.call.ops, ", "))
                                  : fmt::format("{}: {}", id, m.call.sweep);
    p.at = m.at;
    if (m.kernel_calls > 1) make_group_of_its_calls(p, m);
    c.points.push_back(std::move(p));
  }
  return c;
}

}  // namespace trainsim::hw
