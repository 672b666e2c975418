// GaloisField: arithmetic in the finite field of q = p^m elements, which the Slim Fly (MMS graph) builder
// needs for q a prime power, not only a prime. Elements are 0..q-1, read as polynomials over Z_p of degree
// below m (base-p digits, lowest first) modulo a primitive polynomial found by search, so that x itself is a
// primitive element: its powers run over every non-zero element (Lidl and Niederreiter, "Finite Fields",
// 1997, chapter 3).
#pragma once
#include <optional>
#include <vector>

namespace trainsim::hw {

class GaloisField {
 public:
  // Throws ConfigError unless q is a prime power of at least 2.
  explicit GaloisField(int q);

  int order() const { return q_; }
  int add(int a, int b) const;
  int subtract(int a, int b) const;
  int multiply(int a, int b) const;
  // The primitive element xi raised to k (any k >= 0).
  int primitive_power(int k) const { return power_[static_cast<std::size_t>(k % (q_ - 1))]; }

  // {p, m} with q = p^m, or nothing when q is not a prime power.
  static std::optional<std::pair<int, int>> prime_power(int q);

 private:
  int q_;
  int p_;
  int m_;
  std::vector<int> power_;  // xi^k for k = 0..q-2
  std::vector<int> log_;    // log_[xi^k] = k; log_[0] unused
};

}  // namespace trainsim::hw
