// Short time formatting for the schedule reports (time_text.h).
#include "reports/time_text.h"

#include <fmt/format.h>

#include <cmath>

namespace trainsim::reports {

std::string time_text(double seconds) {
  if (seconds == 0) return "0";
  const double magnitude = std::fabs(seconds);
  if (magnitude >= 1) return fmt::format("{:.4g} s", seconds);
  if (magnitude >= 1e-3) return fmt::format("{:.4g} ms", seconds * 1e3);
  if (magnitude >= 1e-6) return fmt::format("{:.4g} us", seconds * 1e6);
  return fmt::format("{:.4g} ns", seconds * 1e9);
}

}  // namespace trainsim::reports
