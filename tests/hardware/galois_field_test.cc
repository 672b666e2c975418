// The finite fields Slim Fly needs obey the field laws: the primitive element's powers run over every
// non-zero element once, every non-zero element has an inverse, multiplication distributes over addition, and
// p copies of 1 add to 0 (characteristic p).
#include "hardware/galois_field.h"

#include <gtest/gtest.h>

#include <set>

#include "core/error.h"

namespace trainsim::hw {
namespace {

class GaloisFieldLaws : public ::testing::TestWithParam<int> {};

TEST_P(GaloisFieldLaws, Hold) {
  const int q = GetParam();
  const GaloisField f(q);
  std::set<int> powers;
  for (int k = 0; k < q - 1; ++k) powers.insert(f.primitive_power(k));
  EXPECT_EQ(static_cast<int>(powers.size()), q - 1);
  EXPECT_EQ(powers.count(0), 0u);
  for (int a = 1; a < q; ++a) {
    int inverses = 0;
    for (int b = 1; b < q; ++b) inverses += f.multiply(a, b) == 1;
    EXPECT_EQ(inverses, 1) << a;
  }
  for (int a = 0; a < q; ++a)
    for (int b = 0; b < q; ++b) {
      EXPECT_EQ(f.subtract(f.add(a, b), b), a);
      for (int c = 0; c < q; ++c) ASSERT_EQ(f.multiply(a, f.add(b, c)), f.add(f.multiply(a, b), f.multiply(a, c)));
    }
  const int p = GaloisField::prime_power(q)->first;
  int sum = 0;
  for (int i = 0; i < p; ++i) sum = f.add(sum, 1);
  EXPECT_EQ(sum, 0);
}

INSTANTIATE_TEST_SUITE_P(PrimePowers, GaloisFieldLaws, ::testing::Values(2, 3, 4, 5, 7, 8, 9, 16, 25, 27));

TEST(GaloisField, PrimePowers) {
  EXPECT_EQ(GaloisField::prime_power(27), (std::pair{3, 3}));
  EXPECT_EQ(GaloisField::prime_power(32), (std::pair{2, 5}));
  EXPECT_FALSE(GaloisField::prime_power(28));
  EXPECT_THROW(GaloisField(28), ConfigError);
}

}  // namespace
}  // namespace trainsim::hw
