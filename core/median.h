// The median of a sample: the middle value, or the mean of the two middle ones of an even count.
#pragma once
#include <algorithm>
#include <vector>

#include "core/error.h"

namespace trainsim {

inline double median(std::vector<double> values) {
  TS_CHECK(!values.empty(), "the median of no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace trainsim
