// Fits a shape model's constants (the coefficients of its LinearTimeTerms) to measured seconds by least squares
// on relative error, each constant held at or above its lower bound (so no fit beats the datasheet peaks).
// Tile choice and the floor depend on the constants, so the fit alternates: terms under the current constants,
// then a bounded linear solve, until the terms stop changing.
#pragma once
#include <functional>
#include <span>
#include <vector>

#include "hardware/linear_time_terms.h"

namespace trainsim::hw {

struct FitRow {
  LinearTimeTerms terms;
  double measured_s = 0;
};

struct LinearTimeFit {
  std::vector<double> coefficients;        // the work coefficients, then the launch cost
  std::vector<double> relative_residuals;  // (model - measured) / measured, per point
  int iterations = 0;
  bool converged = false;  // the terms under the final constants are those it solved on
};

// `rows_at(coefficients)`: every point's terms under those constants. `initial` starts the alternation.
using FitRowsAt = std::function<std::vector<FitRow>(std::span<const double> coefficients)>;
LinearTimeFit fit_linear_time(const FitRowsAt& rows_at, std::vector<double> initial,
                              std::span<const double> lower_bounds);

// Bounded linear least squares: minimizes |A c - b| subject to c >= lower, exactly, by trying every set of
// constants left at their bound (2^columns solves; the models have at most 4 constants).
std::vector<double> bounded_least_squares(const std::vector<std::vector<double>>& rows, const std::vector<double>& b,
                                          std::span<const double> lower);

}  // namespace trainsim::hw
