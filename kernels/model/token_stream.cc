// The byte-level token stream of token_stream.h: corpus reading (sorted, concatenated files), the fixed split
// and seeded window sampling.
#include "kernels/model/token_stream.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace trainsim::kernels::model {

std::vector<int> TokenBatch::model_ids() const {
  std::vector<int> ids;
  ids.reserve(size_t(sequences) * (length + 1));
  for (int s = 0; s < sequences; ++s) {
    const size_t row = size_t(s) * length;
    ids.insert(ids.end(), tokens.begin() + row, tokens.begin() + row + length);
    ids.push_back(next_tokens[row + length - 1]);
  }
  return ids;
}

TokenStream::TokenStream(const std::string& text, double validation_fraction) {
  if (!(validation_fraction >= 0 && validation_fraction < 1))
    throw std::invalid_argument("TokenStream: validation_fraction must be in [0, 1)");
  const size_t validation_size = size_t(double(text.size()) * validation_fraction);
  const size_t train_size = text.size() - validation_size;
  for (size_t i = 0; i < text.size(); ++i)
    (i < train_size ? train_ : validation_).push_back(static_cast<unsigned char>(text[i]));
}

TokenStream TokenStream::from_directory(const std::string& directory, double validation_fraction,
                                        const std::string& package) {
  namespace fs = std::filesystem;
  const std::string hint = "corpus directory " + directory + " (install the Debian package '" + package +
                           "': apt-get install " + package + ", or run scripts/setup.sh)";
  std::error_code error;
  if (!fs::is_directory(directory, error)) throw std::runtime_error("TokenStream: no " + hint);
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    // Symbolic links (fortunes' *.u8 names) would repeat a file; *.dat are fortune's binary indexes.
    if (entry.is_symlink() || !entry.is_regular_file() || entry.path().extension() == ".dat") continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string text;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("TokenStream: cannot read " + file.string());
    std::ostringstream bytes;
    bytes << in.rdbuf();
    text += bytes.str();
  }
  if (text.empty()) throw std::runtime_error("TokenStream: no text in the " + hint);
  return TokenStream(text, validation_fraction);
}

TokenBatch TokenStream::sample(Split split, int sequences, int length, std::mt19937_64& rng) const {
  const std::vector<int>& part = tokens(split);
  if (sequences <= 0 || length <= 0)
    throw std::invalid_argument("TokenStream::sample: sequences and length must be > 0");
  if (part.size() < size_t(length) + 1)
    throw std::invalid_argument(
        "TokenStream::sample: the " + std::string(split == Split::kTrain ? "train" : "validation") + " part holds " +
        std::to_string(part.size()) + " tokens, fewer than length + 1 = " + std::to_string(length + 1));
  TokenBatch batch{sequences, length, {}, {}};
  const uint64_t starts = part.size() - length;  // starts 0 .. size - length - 1 leave room for the next token
  for (int s = 0; s < sequences; ++s) {
    // NOTE: rng() % starts, not std::uniform_int_distribution, whose algorithm differs between standard
    // libraries: the same seed then gives the same batches everywhere (modulo bias < starts / 2^64, negligible).
    const size_t start = size_t(rng() % starts);
    batch.tokens.insert(batch.tokens.end(), part.begin() + start, part.begin() + start + length);
    batch.next_tokens.insert(batch.next_tokens.end(), part.begin() + start + 1, part.begin() + start + length + 1);
  }
  return batch;
}

}  // namespace trainsim::kernels::model
