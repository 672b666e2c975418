// The CPU back-end (linear_gemm.h's *_cpu GEMMs, mla/'s FP64 attention) and the thread's attached back-end.
#include "kernels/model/compute_backend.h"

#include "kernels/model/linear_gemm.h"

namespace trainsim::kernels::model {

namespace {

class CpuBackend final : public ComputeBackend {
 public:
  std::string_view name() const override { return "cpu"; }
  std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                     GemmPrecision precision) override {
    return linear_forward_cpu(x, w, m, n, k, precision);
  }
  std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                   GemmPrecision precision) override {
    return linear_dgrad_cpu(w, dy, m, n, k, precision);
  }
  void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                    GemmPrecision precision) override {
    linear_wgrad_cpu(x, dy, m, n, k, dw, precision);
  }
  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    return attention_forward_ref(shape, q, k, v).o;
  }
  AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                       std::span<const double> k, std::span<const double> v,
                                       std::span<const double> d_o) override {
    return attention_backward_ref(shape, q, k, v, d_o);
  }
};

thread_local ComputeBackend* attached = nullptr;

}  // namespace

ComputeBackend& cpu_backend() {
  static CpuBackend backend;  // stateless: one for every thread
  return backend;
}

ComputeBackend& current_backend() { return attached != nullptr ? *attached : cpu_backend(); }

AttachBackend::AttachBackend(ComputeBackend* backend) : previous_(attached) { attached = backend; }
AttachBackend::~AttachBackend() { attached = previous_; }

}  // namespace trainsim::kernels::model
