// The layer check of issue 19: two back-ends (compute_backend.h) run every layer of one model on the same inputs,
// and each output is held to a bound derived from the formats. The GPU run compares the CUDA back-end with the CPU
// one (model_cuda_check.cu); CI runs the same check with the CPU back-end on both sides and with a back-end that
// is off by a known amount (tests/kernels/model/layer_check_test.cc), so the harness is tested where no GPU is.
//
// What is checked, at one GEMM precision (BF16 or FP8; the head and gate stay kOriginalPrecision):
// - each linear shape of the config, forward, dgrad and wgrad, on token counts that fill and that do not fill the
//   kernels' tiles: error ||D - D_ref||_2 / || |A||B| ||_2, whose bound follows from each format's accumulation;
// - the attention core forward (o) and backward (dq, dk, dv) on BF16-representable inputs;
// - MLA, the dense MLP and the MoE layer, forward and backward (output, input gradient, every weight gradient), and
//   the MoE's chosen experts (its router runs at kOriginalPrecision on both sides: no choice may differ);
// - the whole model (dense, so that no top-k choice can flip) forward and backward: the loss and every gradient.
// Layers and the model: relative L2 error within the budget of the kernels they chain (layer_check.cc says each).
#pragma once
#include <string>
#include <vector>

#include "kernels/model/compute_backend.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/model_config.h"

namespace trainsim::kernels::model {

struct LayerCheckRow {
  std::string layer;   // "gemm q_down.fprop (T=96)", "attention.forward", "mla.backward", "model", ...
  std::string output;  // "y", "dx", "w_dq", "loss", "experts chosen", ...
  double error = 0;    // as the layer's metric says (non-finite never passes)
  double bound = 0;
  bool passed() const;
};

struct LayerCheckOptions {
  GemmPrecision precision = GemmPrecision::kBF16;
  int sequences = 2;
  int length = 48;  // tokens per sequence
  unsigned long long seed = 1;
};

// Runs every check with `reference` (the CPU back-end) and `candidate`, in the order listed above.
std::vector<LayerCheckRow> check_layers(const ModelConfig& c, ComputeBackend& reference, ComputeBackend& candidate,
                                        const LayerCheckOptions& options);

// The rows as a Markdown table (layer, output, error, bound, pass), failures first marked "FAIL".
std::string layer_check_table(const std::vector<LayerCheckRow>& rows);

}  // namespace trainsim::kernels::model
