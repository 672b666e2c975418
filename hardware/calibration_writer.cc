// Writing a calibration file (format_calibration, calibration.h): the inverse of parse_calibration. Keys in the
// order FORMAT.md lists them, text always double-quoted, and each number in the shortest form that reads back
// to the same double, so parse(format(c)) holds c's values exactly (tests/hardware/calibration_test.cc).
#include <fmt/format.h>

#include <cctype>
#include <initializer_list>
#include <string>
#include <utility>

#include "core/units.h"
#include "hardware/calibration.h"

namespace trainsim::hw {
namespace {

// A YAML double-quoted scalar: any text reads back unchanged, whatever colons or hashes it holds.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else out += c;
    }
  }
  return out + "\"";
}

// A mapping key: plain where it is a word ("launch_s"), else quoted.
std::string key(std::string_view name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front()));
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.');
  return plain ? std::string(name) : quoted(name);
}

// A bare number in the shortest text that from_chars reads back to `value` (fmt's "{}" guarantees it).
std::string number(double value) { return fmt::format("{}", value); }

// A quantity with the unit whose text is shortest among those that parse back to exactly `value`, so a trace's
// 1646.123 us stays "1646.123 us" rather than a long rounding of 1.646123 ms. The SI unit (factor 1) always
// reads back exactly, so there is always one.
std::string quantity(double value, Dimension dimension, std::initializer_list<std::pair<double, const char*>> units) {
  std::string best;
  for (auto [factor, unit] : units) {
    const std::string text = fmt::format("{} {}", value / factor, unit);
    const QuantityParse back = parse_quantity(text, dimension);
    if (back.ok() && back.value == value && (best.empty() || text.size() < best.size())) best = text;
  }
  return best;
}

std::string seconds(double s) { return quantity(s, Dimension::kSeconds, {{1e-3, "ms"}, {1e-6, "us"}, {1.0, "s"}, {1e-9, "ns"}}); }

std::string shape(const std::vector<ShapeDim>& dims) {
  std::string out = "{";
  for (size_t i = 0; i < dims.size(); ++i) out += fmt::format("{}{}: {}", i ? ", " : "", dims[i].name, dims[i].size);
  return out + "}";
}

void write_single(std::string& out, const MeasuredPoint& p) {
  out += fmt::format("  - op: {}\n    dtype: {}\n", models::op_kind_name(p.op), models::dtype_name(p.dtype));
  if (p.pass) out += fmt::format("    pass: {}\n", models::pass_name(*p.pass));
  out += fmt::format("    shape: {}\n    time: {}\n", shape(p.shape), seconds(p.seconds));
  if (p.achieved_flops_per_s > 0)
    out += fmt::format("    achieved: {}\n", quantity(p.achieved_flops_per_s, Dimension::kFlopsPerSecond,
                                                     {{1e12, "TFLOPS"}, {1e15, "PFLOPS"}, {1e9, "GFLOPS"}, {1.0, "FLOPS"}}));
  out += fmt::format("    sms: {}\n", p.sm_count);
  if (!p.note.empty()) out += fmt::format("    note: {}\n", quoted(p.note));
  if (!p.catalog_op.empty()) out += fmt::format("    catalog_op: {}\n", quoted(p.catalog_op));
}

void write_group(std::string& out, const MeasuredPoint& p) {
  out += fmt::format("  - family: {}\n    pass: {}\n    group: {}\n    kernels: {}\n    time: {}\n    sms: {}\n",
                     kernel_family_name(*p.family), models::pass_name(p.pass.value_or(models::Pass::kForward)),
                     quoted(p.group), p.kernels, seconds(p.seconds), p.sm_count);
  if (!p.note.empty()) out += fmt::format("    note: {}\n", quoted(p.note));
  out += "    members:\n";
  for (const GroupMember& m : p.members) {
    out += fmt::format("      - {{op: {}, dtype: {}, shape: {}", models::op_kind_name(m.op), models::dtype_name(m.dtype),
                       shape(m.shape));
    if (m.recomputed) out += ", recomputed: true";
    if (!m.note.empty()) out += fmt::format(", note: {}", quoted(m.note));
    out += "}\n";
  }
}

void write_fit(std::string& out, const FittedModel& f) {
  out += fmt::format("  {}:\n    model: {}\n    parameters: {{", kernel_family_name(f.family), quoted(f.model));
  for (size_t i = 0; i < f.parameters.size(); ++i)
    out += fmt::format("{}{}: {}", i ? ", " : "", key(f.parameters[i].first), number(f.parameters[i].second));
  out += fmt::format("}}\n    residuals: {{points: {}, rms_relative: {}, max_relative: {}", f.points_fitted,
                     number(f.rms_relative_error), number(f.max_relative_error));
  if (f.held_out_rms_relative_error) out += fmt::format(", held_out_rms_relative: {}", number(*f.held_out_rms_relative_error));
  out += "}\n";
}

}  // namespace

std::string format_calibration(const Calibration& c, const std::string& made_by) {
  std::string out = "# A calibration file (hardware/calibration/FORMAT.md), written by trainsim.\n";
  if (!made_by.empty())
    out += fmt::format("# Made by: {}\n# Regenerate it with that command rather than editing it.\n", made_by);
  out += "format: 1\n";
  const CalibrationDevice& d = c.device;
  out += fmt::format("device:\n  gpu: {}\n  name: {}\n  sm_count: {}\n  boost_clock: {}\n  driver: {}\n  cuda: {}\n", d.gpu,
                     quoted(d.name), d.sm_count,
                     quantity(d.boost_clock_hz, Dimension::kHertz, {{1e6, "MHz"}, {1e9, "GHz"}, {1e3, "kHz"}, {1.0, "Hz"}}),
                     quoted(d.driver), quoted(d.cuda));
  const CalibrationSource& s = c.source;
  out += fmt::format("source:\n  kind: {}\n  description: {}\n", calibration_source_name(s.kind), quoted(s.description));
  if (!s.url.empty()) out += fmt::format("  url: {}\n", quoted(s.url));
  out += fmt::format("  date: {}\n", s.date);
  if (c.law == CalibrationLaw::kPoints) out += "law: points\n";
  out += "points:\n";
  for (const MeasuredPoint& p : c.points) p.is_group() ? write_group(out, p) : write_single(out, p);
  if (c.optimizer)
    out += fmt::format("optimizer: {{bytes: {}, time: {}}}\n", number(c.optimizer->bytes), seconds(c.optimizer->seconds));
  if (c.gradient_zeroing)
    out += fmt::format("gradient_zeroing: {{bytes: {}, time: {}}}\n", number(c.gradient_zeroing->bytes),
                       seconds(c.gradient_zeroing->seconds));
  if (!c.fits.empty()) {
    out += "fits:\n";
    for (const FittedModel& f : c.fits) write_fit(out, f);
  }
  return out;
}

}  // namespace trainsim::hw
