// Colour arithmetic for the schedule pictures (HSL to RGB as in CSS Color 3, section 4.2.4).
#include "reports/svg_palette.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trainsim::reports {
namespace {

constexpr double kGoldenAngleDeg = 137.508;

double hue_channel(double p, double q, double t) {
  if (t < 0) t += 1;
  if (t > 1) t -= 1;
  if (t < 1.0 / 6) return p + (q - p) * 6 * t;
  if (t < 0.5) return q;
  if (t < 2.0 / 3) return p + (q - p) * (2.0 / 3 - t) * 6;
  return p;
}

double phase_lightness(sim::Phase phase) {
  switch (phase) {
    case sim::Phase::kForward: return 0.78;
    case sim::Phase::kBackward: return 0.45;
    case sim::Phase::kBackwardInput: return 0.58;
    case sim::Phase::kWeight: return 0.9;
    case sim::Phase::kForwardBackward: return 0.6;
  }
  return 0.6;
}

}  // namespace

std::string hsl_hex(double hue_deg, double saturation, double lightness) {
  const double h = std::fmod(hue_deg, 360.0) / 360.0;
  const double q = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation;
  const double p = 2 * lightness - q;
  const auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(hue_channel(p, q, h + 1.0 / 3)), byte(hue_channel(p, q, h)),
                     byte(hue_channel(p, q, h - 1.0 / 3)));
}

std::string chunk_fill(int colour_index, sim::Phase phase) {
  return hsl_hex(colour_index * kGoldenAngleDeg, 0.62, phase_lightness(phase));
}

bool dark_fill(sim::Phase phase) { return phase_lightness(phase) < 0.5; }

std::string phase_colour(sim::Phase phase) {
  switch (phase) {
    case sim::Phase::kForward: return "#f0a830";
    case sim::Phase::kBackward: return "#2e8b2e";
    case sim::Phase::kBackwardInput: return "#9acd32";
    case sim::Phase::kWeight: return "#3b8fd9";
    case sim::Phase::kForwardBackward: return "#000000";
  }
  return "#000000";
}

const char* series_colour(std::size_t i) {
  static constexpr const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColours[i % 10];
}

}  // namespace trainsim::reports
