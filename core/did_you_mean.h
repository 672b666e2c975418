// "did you mean" suggestions for misspelt keys and names (Levenshtein distance).
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace trainsim {

size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a distance of about a third of the word, or "" if none is close.
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

// "; did you mean 'x'?" style hint text, or "" when nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

}  // namespace trainsim
