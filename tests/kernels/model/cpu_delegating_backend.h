// A back-end (compute_backend.h) that hands every call to the CPU back-end: tests derive from it and override the
// calls they record or change.
#pragma once
#include "kernels/model/compute_backend.h"

namespace trainsim::kernels::testing {

class CpuDelegatingBackend : public model::ComputeBackend {
 public:
  std::string_view name() const override { return "cpu, delegated"; }
  std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                     model::GemmPrecision precision) override {
    return model::cpu_backend().linear_forward(x, w, m, n, k, precision);
  }
  std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                   model::GemmPrecision precision) override {
    return model::cpu_backend().linear_dgrad(w, dy, m, n, k, precision);
  }
  void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                    model::GemmPrecision precision) override {
    model::cpu_backend().linear_wgrad(x, dy, m, n, k, dw, precision);
  }
  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    return model::cpu_backend().attention_forward(shape, q, k, v);
  }
  AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                       std::span<const double> k, std::span<const double> v,
                                       std::span<const double> d_o) override {
    return model::cpu_backend().attention_backward(shape, q, k, v, d_o);
  }
};

}  // namespace trainsim::kernels::testing
