// Attended pairs under a sliding window (see attention_window.h): the first w queries see 1..w keys, the
// remaining s - w see w each.
#include "models/attention_window.h"

#include <cmath>

namespace trainsim::models {

double attended_pairs(double s, double w) {
  if (w <= 0 || w >= s) return s * (s + 1) / 2;
  return w * (w + 1) / 2 + (s - w) * w;
}

double mean_attended_pairs(const ModelConfig& m, double s) {
  const double full = attended_pairs(s, 0);
  if (m.sliding_window <= 0 || m.num_layers <= 0) return full;
  const double windowed_layers = m.sliding_window_layers < 0 ? m.num_layers : m.sliding_window_layers;
  return (windowed_layers * attended_pairs(s, m.sliding_window) + (m.num_layers - windowed_layers) * full) / m.num_layers;
}

double effective_window(const ModelConfig& m, double s) {
  const double pairs = mean_attended_pairs(m, s);
  if (pairs >= attended_pairs(s, 0)) return 0;
  const double b = s + 0.5;
  return b - std::sqrt(b * b - 2 * pairs);
}

}  // namespace trainsim::models
