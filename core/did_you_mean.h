// "did you mean" suggestions for misspelt keys and names (edit distance with swaps of neighbours).
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace trainsim {

// Insertions, deletions, substitutions and swaps of two neighbouring characters (optimal string alignment).
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a distance of a third of the word (at least 1), or "" if none is close. A candidate
// whose numbers differ from the word's is never a match (`llama-3.1-8b` is not a typo of `llama-3.1-70b`, nor
// `h20` of `h100`: they name other things, so following the hint would not fix the error), except for one digit
// pressed twice (`h8000` for `h800`).
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

// "did you mean 'x'?" hint text, or "" when nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

}  // namespace trainsim
