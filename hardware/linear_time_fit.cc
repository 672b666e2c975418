// The alternating bounded least-squares fit (linear_time_fit.h). Eigen stays inside this file.
#include "hardware/linear_time_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace trainsim::hw {
namespace {

constexpr int kMaxColumns = 8;      // 2^8 solves at most; the models have 2 to 4 constants
constexpr int kMaxIterations = 50;  // tile choices settle in a few; this bounds an oscillation

// Whether the floor, not the work terms, sets the point's time under constants `c`.
bool floor_binds(const LinearTimeTerms& t, std::span<const double> c) {
  return t.floor_s > t.work_s(c.first(t.work.size()));
}

// One row of the design matrix: the work terms, or only the launch count where the floor binds.
std::vector<double> design_row(const LinearTimeTerms& t, bool at_floor) {
  std::vector<double> row(t.work.size() + 1, 0.0);
  if (!at_floor)
    for (std::size_t i = 0; i < t.work.size(); ++i) row[i] = t.work[i];
  row.back() = t.launches;
  return row;
}

}  // namespace

std::vector<double> bounded_least_squares(const std::vector<std::vector<double>>& rows, const std::vector<double>& b,
                                          std::span<const double> lower) {
  const int n = static_cast<int>(lower.size());
  TS_CHECK(n >= 1 && n <= kMaxColumns, "{} constants to fit", n);
  TS_CHECK(rows.size() == b.size() && !rows.empty(), "{} rows, {} targets", rows.size(), b.size());
  const int m = static_cast<int>(rows.size());
  Eigen::MatrixXd a(m, n);
  Eigen::VectorXd y(m);
  for (int i = 0; i < m; ++i) {
    TS_CHECK(static_cast<int>(rows[static_cast<std::size_t>(i)].size()) == n, "row {} has {} terms", i,
             rows[static_cast<std::size_t>(i)].size());
    for (int j = 0; j < n; ++j) a(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
    y(i) = b[static_cast<std::size_t>(i)];
  }
  // c = lower + d with d >= 0: y - A lower = A d.
  Eigen::VectorXd lo(n);
  for (int j = 0; j < n; ++j) lo(j) = lower[static_cast<std::size_t>(j)];
  const Eigen::VectorXd target = y - a * lo;

  Eigen::VectorXd best = Eigen::VectorXd::Zero(n);
  double best_residual = target.squaredNorm();  // every constant at its bound
  for (unsigned mask = 1; mask < (1u << n); ++mask) {
    std::vector<int> free;
    for (int j = 0; j < n; ++j)
      if (mask & (1u << j)) free.push_back(j);
    Eigen::MatrixXd sub(m, static_cast<int>(free.size()));
    for (std::size_t f = 0; f < free.size(); ++f) sub.col(static_cast<int>(f)) = a.col(free[f]);
    // The minimum-norm solution where columns are collinear (a shape set that cannot tell two constants apart).
    const Eigen::VectorXd d_free = sub.completeOrthogonalDecomposition().solve(target);
    if ((d_free.array() < 0).any() || !d_free.allFinite()) continue;
    Eigen::VectorXd d = Eigen::VectorXd::Zero(n);
    for (std::size_t f = 0; f < free.size(); ++f) d(free[f]) = d_free(static_cast<int>(f));
    const double residual = (a * d - target).squaredNorm();
    if (residual < best_residual * (1 - 1e-12)) {
      best_residual = residual;
      best = d;
    }
  }
  std::vector<double> c(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) c[static_cast<std::size_t>(j)] = lo(j) + best(j);
  return c;
}

LinearTimeFit fit_linear_time(const FitRowsAt& rows_at, std::vector<double> initial,
                              std::span<const double> lower_bounds) {
  TS_CHECK(initial.size() == lower_bounds.size(), "{} initial constants, {} bounds", initial.size(), lower_bounds.size());
  LinearTimeFit fit;
  fit.coefficients = std::move(initial);
  std::vector<std::vector<double>> previous;
  for (fit.iterations = 1; fit.iterations <= kMaxIterations; ++fit.iterations) {
    const std::vector<FitRow> rows = rows_at(fit.coefficients);
    TS_CHECK(!rows.empty(), "no measured points to fit");
    // Relative least squares: each row divided by its measured time, so a 10 us kernel counts as much as a 10 ms one.
    std::vector<std::vector<double>> design;
    std::vector<double> target;
    for (const FitRow& r : rows) {
      TS_CHECK(r.measured_s > 0, "a measured time of {} s", r.measured_s);
      TS_CHECK(r.terms.work.size() + 1 == fit.coefficients.size(), "{} terms for {} constants", r.terms.work.size(),
               fit.coefficients.size());
      const bool at_floor = floor_binds(r.terms, fit.coefficients);
      std::vector<double> row = design_row(r.terms, at_floor);
      for (double& x : row) x /= r.measured_s;
      design.push_back(std::move(row));
      target.push_back((r.measured_s - r.terms.fixed_s - (at_floor ? r.terms.floor_s : 0.0)) / r.measured_s);
    }
    if (design == previous) {
      fit.converged = true;
      break;
    }
    fit.coefficients = bounded_least_squares(design, target, lower_bounds);
    previous = std::move(design);
  }
  fit.iterations = std::min(fit.iterations, kMaxIterations);
  const std::span<const double> c(fit.coefficients);
  for (const FitRow& r : rows_at(c)) {
    const double model_s = r.terms.seconds(c.first(r.terms.work.size()), c.back());
    fit.relative_residuals.push_back((model_s - r.measured_s) / r.measured_s);
  }
  return fit;
}

}  // namespace trainsim::hw
