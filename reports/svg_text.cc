// SVG text helpers (svg_text.h).
#include "reports/svg_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trainsim::reports {

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_px(double v) { return fmt::format("{:.2f}", v); }

double nice_tick_step(double span, int ticks) {
  const double raw = span / ticks;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * decade >= raw) return m * decade;
  return 10 * decade;
}

std::string tick_label(double value, double step) {
  // A tick a rounding error from zero prints as 0, not -0.00.
  if (std::abs(value) < step * 1e-9) value = 0;
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", value, decimals);
}

std::string svg_document_open(double width, double height) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" )"
      R"(font-family="Helvetica, Arial, sans-serif" font-size="10" text-anchor="middle">)"
      "\n",
      svg_px(width), svg_px(height));
  out += fmt::format(R"(<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>)", svg_px(width), svg_px(height));
  out += "\n";
  return out;
}

}  // namespace trainsim::reports
