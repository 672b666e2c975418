// A byte-level token stream (vocab 256: one token per byte) over a plain-text corpus, split into train and
// validation, and seeded batches of (tokens, next tokens) windows from either part. The default corpus is the
// Debian package `fortunes` (English text files, about 2.6 MB; scripts/setup.sh installs it).
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace trainsim::kernels::model {

inline constexpr const char* kFortunesDirectory = "/usr/share/games/fortunes";
inline constexpr const char* kFortunesPackage = "fortunes";

enum class Split { kTrain, kValidation };

// `sequences` windows of `length` tokens each, row after row, and the token that follows each one.
struct TokenBatch {
  int sequences = 0;
  int length = 0;
  std::vector<int> tokens;       // [sequences][length]
  std::vector<int> next_tokens;  // [sequences][length]: next_tokens[s][t] follows tokens[s][t] in the corpus
  // Each window with its last next token appended, [sequences][length + 1]: the model's forward predicts every
  // token of a sequence from the ones before it, so its targets on these ids are exactly next_tokens.
  std::vector<int> model_ids() const;
};

class TokenStream {
 public:
  // The corpus is `text`'s bytes; the last `validation_fraction` of them (rounded down) is the validation part.
  TokenStream(const std::string& text, double validation_fraction);

  // The regular files of `directory` whose names do not end in ".dat" (fortune's binary index files), in sorted
  // name order, concatenated; symbolic links are skipped. Throws std::runtime_error naming the directory and
  // `package` when it is missing or holds no text.
  static TokenStream from_directory(const std::string& directory, double validation_fraction,
                                    const std::string& package);

  const std::vector<int>& tokens(Split split) const { return split == Split::kTrain ? train_ : validation_; }

  // Windows starting at offsets drawn uniformly from `rng` (any start whose window and next token fit in the
  // part). Throws std::invalid_argument when the part is shorter than length + 1 tokens.
  TokenBatch sample(Split split, int sequences, int length, std::mt19937_64& rng) const;

 private:
  std::vector<int> train_;
  std::vector<int> validation_;
};

}  // namespace trainsim::kernels::model
