// Human-unit parsing. Decimal prefixes are powers of 1000, binary (Ki, Mi, Gi, Ti) powers of 1024;
// link rates in bits (Gb/s, Gbps) are divided by 8, as network vendors quote them.
#include "core/units.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace trainsim {
namespace {

struct UnitFactor {
  std::string_view unit;
  double factor;
};

constexpr std::array kByteUnits{
    UnitFactor{"B", 1.0},           UnitFactor{"KB", 1e3},        UnitFactor{"MB", 1e6},
    UnitFactor{"GB", 1e9},          UnitFactor{"TB", 1e12},       UnitFactor{"PB", 1e15},
    UnitFactor{"KiB", 1024.0},      UnitFactor{"MiB", 1048576.0}, UnitFactor{"GiB", 1073741824.0},
    UnitFactor{"TiB", 1099511627776.0},
};
constexpr std::array kBitRateUnits{
    UnitFactor{"b/s", 1.0 / 8},  UnitFactor{"Kb/s", 1e3 / 8},  UnitFactor{"Mb/s", 1e6 / 8},
    UnitFactor{"Gb/s", 1e9 / 8}, UnitFactor{"Tb/s", 1e12 / 8}, UnitFactor{"Kbps", 1e3 / 8},
    UnitFactor{"Mbps", 1e6 / 8}, UnitFactor{"Gbps", 1e9 / 8},  UnitFactor{"Tbps", 1e12 / 8},
};
constexpr std::array kTimeUnits{
    UnitFactor{"s", 1.0},     UnitFactor{"ms", 1e-3},  UnitFactor{"us", 1e-6}, UnitFactor{"µs", 1e-6},
    UnitFactor{"ns", 1e-9},   UnitFactor{"min", 60.0}, UnitFactor{"h", 3600.0}, UnitFactor{"d", 86400.0},
};
constexpr std::array kFlopRateUnits{
    UnitFactor{"FLOP/s", 1.0},   UnitFactor{"GFLOP/s", 1e9},  UnitFactor{"TFLOP/s", 1e12},
    UnitFactor{"PFLOP/s", 1e15}, UnitFactor{"FLOPS", 1.0},    UnitFactor{"GFLOPS", 1e9},
    UnitFactor{"TFLOPS", 1e12},  UnitFactor{"PFLOPS", 1e15},
};
constexpr std::array kFrequencyUnits{UnitFactor{"Hz", 1.0}, UnitFactor{"kHz", 1e3}, UnitFactor{"MHz", 1e6},
                                     UnitFactor{"GHz", 1e9}};
constexpr std::array kPowerUnits{UnitFactor{"W", 1.0}, UnitFactor{"kW", 1e3}, UnitFactor{"MW", 1e6}};
constexpr std::array kCountSuffixes{UnitFactor{"", 1.0},  UnitFactor{"K", 1e3},  UnitFactor{"M", 1e6},
                                    UnitFactor{"B", 1e9}, UnitFactor{"T", 1e12}};
constexpr std::array kMoneySuffixes{UnitFactor{"", 1.0}, UnitFactor{"k", 1e3}, UnitFactor{"K", 1e3},
                                    UnitFactor{"M", 1e6}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "400 Gb/s" into 400 and "Gb/s". Fails on anything that is not a finite number first.
bool split_number(std::string_view text, double& number, std::string_view& rest) {
  text = trim(text);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc() || !std::isfinite(number)) return false;
  rest = trim(std::string_view(ptr, static_cast<size_t>(end - ptr)));
  return true;
}

template <size_t N>
const UnitFactor* find_unit(const std::array<UnitFactor, N>& units, std::string_view unit) {
  for (const UnitFactor& u : units)
    if (u.unit == unit) return &u;
  return nullptr;
}

template <size_t N>
std::string unit_list(const std::array<UnitFactor, N>& units) {
  std::string out;
  for (const UnitFactor& u : units) {
    if (u.unit.empty()) continue;
    if (!out.empty()) out += ", ";
    out += u.unit;
  }
  return out;
}

template <size_t N>
QuantityParse with_units(std::string_view text, const std::array<UnitFactor, N>& units, bool unit_required) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit)) return {0, fmt::format("'{}' is not a number with a unit", text)};
  if (unit.empty() && unit_required)
    return {0, fmt::format("'{}' has no unit (one of {})", text, unit_list(units))};
  const UnitFactor* found = find_unit(units, unit);
  if (!found) return {0, fmt::format("unknown unit '{}' in '{}' (one of {})", unit, text, unit_list(units))};
  return {number * found->factor, {}};
}

QuantityParse parse_money(std::string_view text, bool per_hour) {
  std::string_view body = trim(text);
  if (body.empty() || body.front() != '$')
    return {0, fmt::format("'{}' is not an amount in dollars (write it as {})", text, per_hour ? "\"$2/h\"" : "\"$30k\"")};
  body.remove_prefix(1);
  if (per_hour) {
    const size_t slash = body.find('/');
    if (slash == std::string_view::npos) return {0, fmt::format("'{}' has no '/h' (write it as \"$2/h\")", text)};
    const std::string_view per = trim(body.substr(slash + 1));
    if (per != "h" && per != "hour" && per != "GPU-hour" && per != "GPU/h")
      return {0, fmt::format("unknown rate '/{}' in '{}' (one of /h, /hour, /GPU-hour)", per, text)};
    body = body.substr(0, slash);
  }
  QuantityParse amount = with_units(body, kMoneySuffixes, false);
  if (!amount.ok()) return {0, fmt::format("'{}' is not an amount in dollars", text)};
  if (per_hour) amount.value /= 3600.0;
  return amount;
}

QuantityParse parse_fraction(std::string_view text) {
  double number = 0;
  std::string_view rest;
  if (!split_number(text, number, rest)) return {0, fmt::format("'{}' is not a number", text)};
  if (rest == "%") return {number / 100.0, {}};
  if (!rest.empty()) return {0, fmt::format("unknown unit '{}' in '{}' (a fraction or a percentage)", rest, text)};
  return {number, {}};
}

QuantityParse parse_any_size(std::string_view text, Dimension dimension);

}  // namespace

std::string_view dimension_name(Dimension dimension) {
  switch (dimension) {
    case Dimension::kBytes: return "a size";
    case Dimension::kBytesPerSecond: return "a bandwidth";
    case Dimension::kSeconds: return "a time";
    case Dimension::kFlopsPerSecond: return "a compute rate";
    case Dimension::kUsd: return "an amount of money";
    case Dimension::kUsdPerHour: return "a price per hour";
    case Dimension::kWatts: return "a power";
    case Dimension::kCount: return "a count";
    case Dimension::kFraction: return "a fraction";
    case Dimension::kHertz: return "a clock rate";
  }
  return "a quantity";
}

std::string_view dimension_example(Dimension dimension) {
  switch (dimension) {
    case Dimension::kBytes: return "\"80 GiB\"";
    case Dimension::kBytesPerSecond: return "\"50 GB/s\" or \"400 Gb/s\"";
    case Dimension::kSeconds: return "\"2 us\"";
    case Dimension::kFlopsPerSecond: return "\"989 TFLOP/s\"";
    case Dimension::kUsd: return "\"$30k\"";
    case Dimension::kUsdPerHour: return "\"$2/h\"";
    case Dimension::kWatts: return "\"700 W\"";
    case Dimension::kCount: return "4096 or \"14.8T\"";
    case Dimension::kFraction: return "0.75 or \"75%\"";
    case Dimension::kHertz: return "\"1.98 GHz\"";
  }
  return "";
}

QuantityParse parse_quantity(std::string_view text, Dimension dimension) {
  QuantityParse parsed = parse_any_size(text, dimension);
  // NOTE: a finite number times its unit can overflow ("1e300T" is 1e312): such a value is no quantity.
  if (parsed.ok() && !std::isfinite(parsed.value)) return {0, fmt::format("'{}' is too large a number", trim(text))};
  return parsed;
}

namespace {

// The value of `text` in SI units, before the check that it is finite.
QuantityParse parse_any_size(std::string_view text, Dimension dimension) {
  switch (dimension) {
    case Dimension::kBytes: return with_units(text, kByteUnits, true);
    case Dimension::kBytesPerSecond: {
      double number = 0;
      std::string_view unit;
      if (!split_number(text, number, unit)) return {0, fmt::format("'{}' is not a number with a unit", text)};
      if (const UnitFactor* bits = find_unit(kBitRateUnits, unit)) return {number * bits->factor, {}};
      if (unit.size() > 2 && unit.substr(unit.size() - 2) == "/s") {
        if (const UnitFactor* bytes = find_unit(kByteUnits, unit.substr(0, unit.size() - 2)))
          return {number * bytes->factor, {}};
      }
      return {0, fmt::format("unknown or missing bandwidth unit in '{}' (GB/s, GiB/s, TB/s, or bits: Gb/s, Gbps)", text)};
    }
    case Dimension::kSeconds: return with_units(text, kTimeUnits, true);
    case Dimension::kFlopsPerSecond: return with_units(text, kFlopRateUnits, true);
    case Dimension::kUsd: return parse_money(text, false);
    case Dimension::kUsdPerHour: return parse_money(text, true);
    case Dimension::kWatts: return with_units(text, kPowerUnits, true);
    case Dimension::kCount: return with_units(text, kCountSuffixes, false);
    case Dimension::kFraction: return parse_fraction(text);
    case Dimension::kHertz: return with_units(text, kFrequencyUnits, true);
  }
  return {0, "unknown dimension"};
}

}  // namespace

std::string format_quantity(double v, Dimension dimension) {
  auto scaled = [v](std::initializer_list<std::pair<double, std::string_view>> scales) {
    for (auto [factor, unit] : scales)
      if (std::fabs(v) >= factor) return fmt::format("{:.4g} {}", v / factor, unit);
    auto [factor, unit] = *(scales.end() - 1);
    return fmt::format("{:.4g} {}", v / factor, unit);
  };
  switch (dimension) {
    case Dimension::kBytes:
      return scaled({{1099511627776.0, "TiB"}, {1073741824.0, "GiB"}, {1048576.0, "MiB"}, {1024.0, "KiB"}, {1.0, "B"}});
    case Dimension::kBytesPerSecond: return scaled({{1e12, "TB/s"}, {1e9, "GB/s"}, {1e6, "MB/s"}, {1.0, "B/s"}});
    case Dimension::kSeconds:
      return scaled({{86400.0, "d"}, {3600.0, "h"}, {60.0, "min"}, {1.0, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}});
    case Dimension::kFlopsPerSecond: return scaled({{1e15, "PFLOP/s"}, {1e12, "TFLOP/s"}, {1e9, "GFLOP/s"}, {1.0, "FLOP/s"}});
    case Dimension::kUsd: return fmt::format("${:.4g}", v);
    case Dimension::kUsdPerHour: return fmt::format("${:.4g}/h", v * 3600.0);
    case Dimension::kWatts: return scaled({{1e6, "MW"}, {1e3, "kW"}, {1.0, "W"}});
    case Dimension::kCount: return scaled({{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}, {1.0, ""}});
    case Dimension::kFraction: return fmt::format("{:.4g}", v);
    case Dimension::kHertz: return scaled({{1e9, "GHz"}, {1e6, "MHz"}, {1e3, "kHz"}, {1.0, "Hz"}});
  }
  return fmt::format("{}", v);
}

}  // namespace trainsim
