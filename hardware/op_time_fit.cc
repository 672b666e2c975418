// Per-kind fits over linear_time_fit.h, with a leave-some-out check (op_time_fit.h).
#include "hardware/op_time_fit.h"

#include <algorithm>
#include <cmath>

#include "hardware/linear_time_fit.h"

namespace trainsim::hw {
namespace {

// A model kind as the generic fit sees it: how to build the model from coefficients and price one point.
template <class Point, class Constants, class MakeModel>
struct Kind {
  MakeModel make_model;  // Constants -> a model with terms(shape, sms) and seconds(shape, sms)

  std::vector<FitRow> rows(std::span<const Point> points, std::span<const double> c) const {
    const auto model = make_model(Constants::from_coefficients(c));
    std::vector<FitRow> out;
    out.reserve(points.size());
    for (const Point& p : points) {
      if (p.more.empty()) {
        out.push_back({model.terms(p.shape, p.sms), p.seconds});
        continue;
      }
      std::vector<LinearTimeTerms> kernels{model.terms(p.shape, p.sms)};
      for (const auto& shape : p.more) kernels.push_back(model.terms(shape, p.sms));
      out.push_back({LinearTimeTerms::sum(kernels, c), p.seconds});
    }
    return out;
  }

  // What the model gives for a point: its kernels' times summed.
  template <class Model>
  static double point_seconds(const Model& model, const Point& p) {
    double s = model.seconds(p.shape, p.sms);
    for (const auto& shape : p.more) s += model.seconds(shape, p.sms);
    return s;
  }

  LinearTimeFit fit(std::span<const Point> points, const Constants& initial) const {
    const std::vector<double> lower = Constants::lower_bounds();
    return fit_linear_time([&](std::span<const double> c) { return rows(points, c); }, initial.coefficients(), lower);
  }

  // Fit on all points, and separately on all but the held-out ones to predict those.
  std::pair<Constants, std::pair<std::vector<double>, FitQuality>> run(std::span<const Point> points,
                                                                       const Constants& initial,
                                                                       FitOptions options) const {
    TS_CHECK(!points.empty(), "no measured points to fit");
    const LinearTimeFit all = fit(points, initial);
    FitQuality q;
    q.points = points.size();
    q.converged = all.converged;
    double sum_sq = 0;
    for (double r : all.relative_residuals) {
      sum_sq += r * r;
      q.max_abs_relative_residual = std::max(q.max_abs_relative_residual, std::abs(r));
    }
    q.rms_relative_residual = std::sqrt(sum_sq / static_cast<double>(points.size()));

    const auto every = static_cast<std::size_t>(std::max(options.hold_out_every, 0));
    if (every >= 2 && points.size() >= 2 * every) {
      std::vector<Point> train;
      std::vector<Point> held;
      for (std::size_t i = 0; i < points.size(); ++i) (i % every == every - 1 ? held : train).push_back(points[i]);
      const LinearTimeFit partial = fit(train, initial);
      const auto model = make_model(Constants::from_coefficients(partial.coefficients));
      double sum_abs = 0, sum_sq_held = 0;
      for (const Point& p : held) {
        const double error = std::abs(point_seconds(model, p) - p.seconds) / p.seconds;
        sum_abs += error;
        sum_sq_held += error * error;
        q.held_out_max_abs_relative_error = std::max(q.held_out_max_abs_relative_error, error);
      }
      q.held_out = held.size();
      q.held_out_mean_abs_relative_error = sum_abs / static_cast<double>(held.size());
      q.held_out_rms_relative_error = std::sqrt(sum_sq_held / static_cast<double>(held.size()));
    }
    return {Constants::from_coefficients(all.coefficients), {all.relative_residuals, q}};
  }
};

template <class Point, class Constants, class MakeModel>
Kind<Point, Constants, MakeModel> kind(MakeModel make_model) {
  return Kind<Point, Constants, MakeModel>{std::move(make_model)};
}

}  // namespace

GemmFit fit_gemm(const GpuSpec& gpu, std::span<const GemmPoint> points, const GemmConstants& initial,
                 double hbm_time_factor, FitOptions options) {
  for (const GemmPoint& p : points) {
    TS_CHECK(p.shape.dtype == points.front().shape.dtype, "one GEMM fit mixes dtypes");
    for (const GemmShape& s : p.more) TS_CHECK(s.dtype == points.front().shape.dtype, "one GEMM fit mixes dtypes");
  }
  // The fit evaluates the tile the current constants choose, as GemmTimeModel::plan does.
  struct Planned {
    GemmTimeModel model;
    LinearTimeTerms terms(const GemmShape& s, int sms) const { return model.plan(s, sms).terms; }
    double seconds(const GemmShape& s, int sms) const { return model.seconds(s, sms); }
  };
  const auto k = kind<GemmPoint, GemmConstants>(
      [&](const GemmConstants& c) { return Planned{GemmTimeModel(gpu, c, hbm_time_factor)}; });
  auto [constants, report] = k.run(points, initial, options);
  return GemmFit{constants, std::move(report.first), report.second};
}

AttentionFit fit_attention(const GpuSpec& gpu, AttentionDirection direction, std::span<const AttentionPoint> points,
                           const AttentionConstants& initial, double hbm_time_factor, FitOptions options) {
  const auto k = kind<AttentionPoint, AttentionConstants>(
      [&](const AttentionConstants& c) { return AttentionTimeModel(gpu, direction, c, hbm_time_factor); });
  auto [constants, report] = k.run(points, initial, options);
  return AttentionFit{constants, std::move(report.first), report.second};
}

MemoryFit fit_memory(const GpuSpec& gpu, std::span<const MemoryPoint> points, const MemoryConstants& initial,
                     FitOptions options) {
  const auto k = kind<MemoryPoint, MemoryConstants>([&](const MemoryConstants& c) { return MemoryTimeModel(gpu, c); });
  auto [constants, report] = k.run(points, initial, options);
  return MemoryFit{constants, std::move(report.first), report.second};
}

}  // namespace trainsim::hw
