// Finite-field arithmetic (see galois_field.h).
#include "hardware/galois_field.h"

#include <fmt/format.h>

#include "core/error.h"

namespace trainsim::hw {
namespace {

// Digit-wise combination of two base-p numbers of m digits: (a_i + sign * b_i) mod p.
int digitwise(int a, int b, int sign, int p, int m) {
  int out = 0;
  for (int i = 0, scale = 1; i < m; ++i, scale *= p) {
    const int d = (((a / scale % p) + sign * (b / scale % p)) % p + p) % p;
    out += d * scale;
  }
  return out;
}

}  // namespace

std::optional<std::pair<int, int>> GaloisField::prime_power(int q) {
  if (q < 2) return std::nullopt;
  int p = 2;
  while (q % p != 0) ++p;  // the smallest factor is prime
  int m = 0;
  int rest = q;
  while (rest % p == 0) {
    rest /= p;
    ++m;
  }
  if (rest != 1) return std::nullopt;
  return std::pair{p, m};
}

GaloisField::GaloisField(int q) : q_(q) {
  const auto pm = prime_power(q);
  if (!pm) throw ConfigError(SourceLocation{{}, 0, 0, "slim_fly.q"}, fmt::format("{}", q), "a prime power");
  p_ = pm->first;
  m_ = pm->second;
  // Try the monic polynomials f = x^m + (f_{m-1} x^{m-1} + ... + f_0) in order, the lower part read as a base-p
  // number; f is primitive when the powers of x modulo f first return to 1 after q - 1 steps.
  for (int lower = 0; lower < q; ++lower) {
    std::vector<int> powers{1};
    int x_k = 1;
    for (int k = 1; k < q; ++k) {
      // Multiply by x: shift the digits up; the digit that leaves (the x^m coefficient) comes back as -top * lower.
      const int top = x_k / (q / p_);
      const int shifted = (x_k % (q / p_)) * p_;
      x_k = digitwise(shifted, lower, -top, p_, m_);
      if (x_k == 1 || x_k == 0) break;
      powers.push_back(x_k);
    }
    if (static_cast<int>(powers.size()) != q - 1) continue;
    power_ = std::move(powers);
    log_.assign(static_cast<std::size_t>(q), 0);
    for (int k = 0; k < q - 1; ++k) log_[static_cast<std::size_t>(power_[k])] = k;
    return;
  }
  TS_CHECK(false, "no primitive polynomial of degree {} over Z_{}", m_, p_);
}

int GaloisField::add(int a, int b) const { return digitwise(a, b, 1, p_, m_); }

int GaloisField::subtract(int a, int b) const { return digitwise(a, b, -1, p_, m_); }

int GaloisField::multiply(int a, int b) const {
  if (a == 0 || b == 0) return 0;
  return power_[static_cast<std::size_t>((log_[a] + log_[b]) % (q_ - 1))];
}

}  // namespace trainsim::hw
