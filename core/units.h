// Human units in scenario and catalog files ("400 Gb/s", "50 GB/s", "2 us", "80 GiB", "$2/h",
// "989 TFLOP/s", "14.8T", "1.98 GHz"), parsed to SI (bytes, bytes/s, seconds, FLOP/s, USD, USD/s, watts, hertz).
#pragma once
#include <string>
#include <string_view>

namespace trainsim {

enum class Dimension {
  kBytes,           // B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024)
  kBytesPerSecond,  // GB/s, GiB/s, TB/s, ... and bits: Gb/s, Gbps, Tb/s (divided by 8)
  kSeconds,         // s, ms, us, ns, min, h, d
  kFlopsPerSecond,  // FLOP/s, GFLOP/s, TFLOP/s, PFLOP/s (also written TFLOPS)
  kUsd,             // $30000, $30k, $1.2M
  kUsdPerHour,      // $2/h, $2/hour; stored as USD per second
  kWatts,           // W, kW
  kCount,           // a plain number, optionally with K, M, B (billion) or T (trillion): "14.8T"
  kFraction,        // a plain number or a percentage: "0.75", "75%"
  kHertz,           // Hz, kHz, MHz, GHz (clock rates)
};

std::string_view dimension_name(Dimension dimension);     // "a size in bytes"
std::string_view dimension_example(Dimension dimension);  // "\"80 GiB\""

struct QuantityParse {
  double value = 0;   // in SI units; USD per hour is returned as USD per second
  std::string error;  // empty on success; else what was wrong, e.g. "unknown unit 'GBs'"
  bool ok() const { return error.empty(); }
};

QuantityParse parse_quantity(std::string_view text, Dimension dimension);

// The inverse for display: "160 GB/s", "2 us", "80 GiB". Deterministic, 4 significant digits.
std::string format_quantity(double value_in_si_units, Dimension dimension);

}  // namespace trainsim
