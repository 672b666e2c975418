// Mean next-token cross-entropy over rows with a target, and its gradient: with p = softmax(logits),
// d loss / d logits = (p - onehot(target)) / count (the softmax-cross-entropy identity).
#pragma once
#include <span>
#include <vector>

namespace trainsim::kernels::model {

// A target < 0 marks a row without a next token (the end of a sequence): no loss, zero gradient.
inline constexpr int kNoTarget = -1;

struct CrossEntropyResult {
  double loss = 0;               // mean over counted rows of logsumexp(logits) - logits[target] (nats)
  int count = 0;                 // rows with a target
  std::vector<double> d_logits;  // [rows][vocab], gradient of `loss`
};

CrossEntropyResult cross_entropy(std::span<const double> logits, int rows, int vocab, std::span<const int> targets);

}  // namespace trainsim::kernels::model
