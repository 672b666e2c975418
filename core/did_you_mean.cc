// Edit distance counting a swap of neighbours as one edit ("rnu" for "run"); the suggestion threshold, one edit
// per three characters and at least one, keeps typos and drops other words ("fish" is not a typo of "bash").
#include "core/did_you_mean.h"

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

namespace trainsim {
namespace {

// The runs of digits in a word, in order: "llama-3.1-70b" -> {"3", "1", "70"}.
std::vector<std::string_view> numbers_in(std::string_view word) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < word.size();) {
    if (word[i] < '0' || word[i] > '9') {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
    out.push_back(word.substr(start, i - start));
  }
  return out;
}

// Whether two numbers can be the same one mistyped: equal, or one digit pressed twice ("8000" for "800").
// Any other difference names another model, GPU or version.
bool same_number_typed(std::string_view a, std::string_view b) {
  if (a == b) return true;
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() != b.size() + 1) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (i > 0 && a[i] == a[i - 1] && std::string(a.substr(0, i)) + std::string(a.substr(i + 1)) == b) return true;
  return false;
}

bool same_numbers(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_number_typed(a[i], b[i])) return false;
  return true;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows: the one before the previous is for a swap of two neighbours, one edit (optimal string alignment).
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  std::iota(previous.begin(), previous.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return previous[b.size()];
}

std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
  const size_t threshold = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = threshold + 1;
  const std::vector<std::string_view> numbers = numbers_in(word);
  for (const std::string& candidate : candidates) {
    if (!same_numbers(numbers_in(candidate), numbers)) continue;
    const size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  const std::string best = closest_match(word, candidates);
  return best.empty() ? std::string() : "did you mean '" + best + "'?";
}

}  // namespace trainsim
