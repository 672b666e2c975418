// Tests of the byte-level token stream: split sizes by hand, file order and filtering, windows whose next tokens
// are the inputs shifted by one, seeded determinism, the missing-corpus error, and the real corpus when installed.
#include "kernels/model/token_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace trainsim::kernels::model {
namespace {

namespace fs = std::filesystem;

// A corpus whose byte i is i mod 256: every token is followed by token + 1 (mod 256).
std::string counting_text(int size) {
  std::string text;
  for (int i = 0; i < size; ++i) text.push_back(static_cast<char>(i % 256));
  return text;
}

TEST(TokenStream, SplitTakesTheLastFractionForValidation) {
  const TokenStream stream(counting_text(1000), 0.1);
  ASSERT_EQ(stream.tokens(Split::kTrain).size(), 900u);
  ASSERT_EQ(stream.tokens(Split::kValidation).size(), 100u);
  EXPECT_EQ(stream.tokens(Split::kTrain)[899], 899 % 256);
  EXPECT_EQ(stream.tokens(Split::kValidation)[0], 900 % 256);
  // 10 bytes at 25%: 2.5 validation bytes round down to 2.
  EXPECT_EQ(TokenStream(counting_text(10), 0.25).tokens(Split::kValidation).size(), 2u);
}

TEST(TokenStream, BytesAboveAsciiAreTokensBelow256) {
  const TokenStream stream(std::string("\xff\x80\x01", 3), 0.0);
  EXPECT_EQ(stream.tokens(Split::kTrain), (std::vector<int>{255, 128, 1}));
}

TEST(TokenStream, NextTokensAreTheInputsShiftedByOne) {
  const TokenStream stream(counting_text(5000), 0.1);
  std::mt19937_64 rng(3);
  const TokenBatch b = stream.sample(Split::kTrain, 8, 64, rng);
  ASSERT_EQ(b.tokens.size(), 8u * 64);
  ASSERT_EQ(b.next_tokens.size(), 8u * 64);
  for (size_t i = 0; i < b.tokens.size(); ++i) {
    EXPECT_EQ(b.next_tokens[i], (b.tokens[i] + 1) % 256);
    EXPECT_GE(b.tokens[i], 0);
    EXPECT_LT(b.tokens[i], 256);
  }
  // The model's ids: each window plus its last next token.
  const std::vector<int> ids = b.model_ids();
  ASSERT_EQ(ids.size(), 8u * 65);
  for (int s = 0; s < 8; ++s)
    for (int t = 0; t < 64; ++t) EXPECT_EQ(ids[s * 65 + t + 1], b.next_tokens[s * 64 + t]);
}

TEST(TokenStream, ValidationWindowsStayInTheValidationPart) {
  // Train bytes are 'a', validation bytes 'b': every validation window must hold only 'b'.
  const TokenStream stream(std::string(900, 'a') + std::string(100, 'b'), 0.1);
  std::mt19937_64 rng(11);
  const TokenBatch b = stream.sample(Split::kValidation, 50, 99, rng);
  for (int t : b.tokens) EXPECT_EQ(t, 'b');
  for (int t : b.next_tokens) EXPECT_EQ(t, 'b');
  EXPECT_THROW(stream.sample(Split::kValidation, 1, 100, rng), std::invalid_argument);  // needs 101 tokens
}

TEST(TokenStream, SameSeedSameBatches) {
  const TokenStream stream(counting_text(100000), 0.1);
  std::mt19937_64 a(42), b(42), c(43);
  const TokenBatch first = stream.sample(Split::kTrain, 4, 32, a);
  EXPECT_EQ(first.tokens, stream.sample(Split::kTrain, 4, 32, b).tokens);
  EXPECT_NE(first.tokens, stream.sample(Split::kTrain, 4, 32, c).tokens);
}

class TokenStreamDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("trainsim_token_stream_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name, std::ios::binary) << text; }
  fs::path dir_;
};

TEST_F(TokenStreamDirectory, ReadsTextFilesInSortedOrderSkippingIndexesAndLinks) {
  write("b", "BBBB");
  write("a", "AAAA");
  write("a.dat", "index");
  fs::create_symlink(dir_ / "a", dir_ / "a.u8");
  const TokenStream stream = TokenStream::from_directory(dir_.string(), 0.0, "fortunes");
  const std::vector<int> expected{'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B'};
  EXPECT_EQ(stream.tokens(Split::kTrain), expected);
}

TEST_F(TokenStreamDirectory, MissingCorpusNamesThePathAndThePackage) {
  const std::string missing = (dir_ / "absent").string();
  try {
    TokenStream::from_directory(missing, 0.1, "fortunes");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("apt-get install fortunes"), std::string::npos) << e.what();
  }
  write("only.dat", "index");  // a directory without text reads as missing too
  EXPECT_THROW(TokenStream::from_directory(dir_.string(), 0.1, "fortunes"), std::runtime_error);
}

TEST(TokenStreamCorpus, ReadsTheFortunesPackage) {
  if (!fs::is_directory(kFortunesDirectory))
    GTEST_SKIP() << kFortunesDirectory << " is absent: install the Debian package '" << kFortunesPackage << "'";
  const TokenStream stream = TokenStream::from_directory(kFortunesDirectory, 0.1, kFortunesPackage);
  const size_t train = stream.tokens(Split::kTrain).size(), validation = stream.tokens(Split::kValidation).size();
  // Debian 12's fortunes ships about 2.6 MB of text; any release holds well over 1 MB.
  EXPECT_GT(train + validation, 1000000u);
  EXPECT_EQ(validation, size_t(double(train + validation) * 0.1));
  for (int t : stream.tokens(Split::kTrain)) ASSERT_TRUE(t >= 0 && t < 256);
  // English text: the space (about one character in six) and 'e' (English's commonest letter, near 10% of the
  // letters) each make well over 2% of the bytes, a loose floor that a binary or wrongly read corpus misses.
  size_t spaces = 0, e = 0;
  for (int t : stream.tokens(Split::kTrain)) spaces += t == ' ', e += t == 'e';
  EXPECT_GT(spaces, train / 50);
  EXPECT_GT(e, train / 50);
}

}  // namespace
}  // namespace trainsim::kernels::model
