// Where the reduced model's matrix arithmetic runs: one model definition (the layers call linear_gemm.h and
// attention_core.h) over two back-ends. The CPU back-end is the references (linear_gemm.cc's FP64, BF16 and FP8
// paths, mla/'s attention); the CUDA back-end (cuda_backend.h) runs the same calls on the GPU with the project's
// kernels. The layers hand over and receive host FP64 tensors either way, so the two back-ends are compared on the
// same inputs, layer by layer (layer_check.h).
//
// What goes through a back-end: the linear layers' three GEMMs and the attention core, forward and backward: every
// matrix product of the model (op_catalog_agreement_test counts them). Norms, RoPE, SwiGLU, routing, permutes, the
// loss and the optimizer stay on the CPU references on every back-end (NOTES.md, "The CUDA back-end").
#pragma once
#include <span>
#include <string_view>
#include <vector>

#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_problem.h"

namespace trainsim::kernels::model {

enum class GemmPrecision;  // linear_gemm.h

class ComputeBackend {
 public:
  virtual ~ComputeBackend() = default;
  virtual std::string_view name() const = 0;

  // linear_gemm.h's three GEMMs of y = x W^T, same arguments and layouts (row-major; w [n][k]).
  virtual std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n,
                                             int k, GemmPrecision precision) = 0;
  virtual std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                           GemmPrecision precision) = 0;
  // Adds the weight gradient into dw.
  virtual void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k,
                            std::span<double> dw, GemmPrecision precision) = 0;

  // The causal attention core (mla_attention_ref.h's layouts): o, and the gradients of sum(dO * O).
  virtual std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                                std::span<const double> k, std::span<const double> v) = 0;
  virtual AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                               std::span<const double> k, std::span<const double> v,
                                               std::span<const double> d_o) = 0;
};

// The CPU references as a back-end (what runs when none is attached).
ComputeBackend& cpu_backend();

// The back-end the model's calls on this thread go to: the attached one, else cpu_backend().
ComputeBackend& current_backend();

// Attaches `backend` (null: the CPU) to this thread for the scope's life; restores the previous one. The model
// attaches RunOptions::backend around its forward and backward passes, as it attaches the op timer.
class AttachBackend {
 public:
  explicit AttachBackend(ComputeBackend* backend);
  ~AttachBackend();
  AttachBackend(const AttachBackend&) = delete;
  AttachBackend& operator=(const AttachBackend&) = delete;

 private:
  ComputeBackend* previous_;
};

}  // namespace trainsim::kernels::model
