// How a range reads in an error's "expected" part.
#include "core/input_ranges.h"

#include <fmt/format.h>

namespace trainsim {

std::string QuantityRange::text() const {
  return fmt::format("{} from {} to {}{}", dimension_name(dimension), min_text, max_text,
                     zero_allowed ? ", or 0" : "");
}

std::string IntegerRange::text() const { return fmt::format("a whole number from {} to {}", min, max); }

}  // namespace trainsim
