// Reading the GPU harness's RESULTS.json and making a calibration of it (kernel_results.h).
#include "hardware/kernel_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/read_file.h"
#include "hardware/calibration_choice.h"
#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using nlohmann::json;

constexpr const char* kHint = "kernels/gpu-run.sh writes it from a plan of `trainsim calibrate --device`; "
                              "its form is kernels/CALIBRATION.md";

[[noreturn]] void malformed_results(const std::string& file, const std::string& path, const std::string& problem,
                            const std::string& expected) {
  throw ConfigError(SourceLocation{file, 0, 0, path}, problem, expected, kHint);
}

// "calls[3]" and "seconds": "calls[3].seconds"; at the top level the key alone.
std::string join(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

const json& member(const json& object, const char* key, const std::string& file, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) malformed_results(file, join(path, key), "is missing", "the key");
  return *it;
}

std::string text_at(const json& object, const char* key, const std::string& file, const std::string& path) {
  const json& v = member(object, key, file, path);
  if (!v.is_string() || v.get<std::string>().empty())
    malformed_results(file, join(path, key), fmt::format("is {}", v.dump()), "a non-empty string");
  return v.get<std::string>();
}

double positive_at(const json& object, const char* key, const std::string& file, const std::string& path) {
  const json& v = member(object, key, file, path);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0)
    malformed_results(file, join(path, key), fmt::format("is {}", v.dump()), "a number above zero");
  return v.get<double>();
}

long long whole_at(const json& object, const char* key, long long low, long long high, const std::string& file,
                   const std::string& path) {
  const json& v = member(object, key, file, path);
  if (!v.is_number_integer() || v.get<long long>() < low || v.get<long long>() > high)
    malformed_results(file, join(path, key), fmt::format("is {}", v.dump()), fmt::format("a whole number, {} to {}", low, high));
  return v.get<long long>();
}

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]))) return false;
  return true;
}

// The plan call a results entry names: by id, or by op, dtype, pass, shape and sms.
const KernelCall& plan_call(const json& entry, std::span<const KernelCall> plan, const std::string& file,
                            const std::string& path) {
  if (entry.contains("id")) {
    const std::string id = text_at(entry, "id", file, path);
    for (const KernelCall& c : plan)
      if (c.id == id) return c;
    malformed_results(file, path + ".id", fmt::format("'{}' is no call of the scenario's plan", id),
              "an id of the plan made for this scenario (trainsim calibrate --device --plan)");
  }
  const std::string op = text_at(entry, "op", file, path);
  const std::string dtype = text_at(entry, "dtype", file, path);
  const std::string pass = entry.contains("pass") ? text_at(entry, "pass", file, path) : "F";
  const json& shape = member(entry, "shape", file, path);
  if (!shape.is_object()) malformed_results(file, path + ".shape", fmt::format("is {}", shape.dump()), "named sizes");
  const long long sms = whole_at(entry, "sms", 1, 100000, file, path);
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
  malformed_results(file, path, fmt::format("{} {} {} {} on {} SMs is no call of the scenario's plan", op, dtype, pass,
                                    shape.dump(), sms),
            "`id`, or the op, dtype, pass, shape and sms of a call of the plan");
}

}  // namespace

KernelResults parse_kernel_results(const std::string& text, const std::string& file, std::span<const KernelCall> plan) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    malformed_results(file, "", fmt::format("is not JSON: {}", e.what()), "a JSON object");
  }
  if (!root.is_object()) malformed_results(file, "", "is not a JSON object", "a JSON object");
  KernelResults out;
  out.file = file;
  if (whole_at(root, "format", 1, 1, file, "") != 1) malformed_results(file, "format", "unknown", "1");

  const json& device = member(root, "device", file, "");
  if (!device.is_object()) malformed_results(file, "device", fmt::format("is {}", device.dump()), "an object");
  KernelResultsDevice& d = out.device;
  d.name = text_at(device, "name", file, "device");
  d.sm_count = static_cast<int>(whole_at(device, "sm_count", 1, 10000, file, "device"));
  d.boost_clock_hz = positive_at(device, "boost_clock_hz", file, "device");
  d.driver = text_at(device, "driver", file, "device");
  d.cuda = text_at(device, "cuda", file, "device");
  d.sm_count_at = {file, 0, 0, "device.sm_count"};
  d.boost_clock_at = {file, 0, 0, "device.boost_clock_hz"};

  out.date = text_at(root, "date", file, "");
  if (!is_date(out.date)) malformed_results(file, "date", fmt::format("is '{}'", out.date), "YYYY-MM-DD");

  const json& calls = member(root, "calls", file, "");
  if (!calls.is_array() || calls.empty())
    malformed_results(file, "calls", fmt::format("is {}", calls.is_array() ? "empty" : calls.dump()), "a non-empty list");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const std::string path = fmt::format("calls[{}]", i);
    const json& entry = calls[i];
    if (!entry.is_object()) malformed_results(file, path, fmt::format("is {}", entry.dump()), "an object");
    MeasuredCall m;
    m.call = plan_call(entry, plan, file, path);
    if (!seen.insert(m.call.id).second)
      malformed_results(file, path, fmt::format("measures {} a second time", m.call.id),
                "each plan call once (the harness reports the median of its repetitions)");
    m.seconds = positive_at(entry, "seconds", file, path);
    m.sms = static_cast<int>(whole_at(entry, "sms", 1, d.sm_count, file, path));
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
    p.note = m.call.sweep.empty() ? fmt::format("{}: {}", m.call.id, fmt::join(m.call.ops, ", "))
                                  : fmt::format("{}: {}", m.call.id, m.call.sweep);
    p.at = m.at;
    c.points.push_back(std::move(p));
  }
  return c;
}

}  // namespace trainsim::hw
