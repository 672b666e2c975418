// One model definition over a back-end (compute_backend.h): a back-end that computes what the CPU does changes no bit
// of the loss or of any gradient; every matrix product the model counts (the FLOPs op_catalog_agreement_test holds
// to the simulator's catalog) and every op of the norm/element-wise and permute kinds reaches the back-end; a
// back-end that computes something else changes the loss.
#include <gtest/gtest.h>

#include "kernels/mla/mla_problem.h"
#include "kernels/model/compute_backend.h"
#include "kernels/model/reduced_deepseek_v3.h"
#include "tests/kernels/model/cpu_delegating_backend.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

const std::vector<int> kIds = {3, 1, 4, 1, 5, 9, 2, 6, 5};  // the test batch's 5 + 4 tokens, vocab 32

// Hands every call to the CPU back-end and records what it saw; `attention_gain` scales the attention core's
// output (1: the CPU's result exactly).
class RecordingBackend final : public testing::CpuDelegatingBackend {
 public:
  std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                     GemmPrecision precision) override {
    record_gemm(m, n, k);
    return CpuDelegatingBackend::linear_forward(x, w, m, n, k, precision);
  }
  std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                   GemmPrecision precision) override {
    record_gemm(m, n, k);
    return CpuDelegatingBackend::linear_dgrad(w, dy, m, n, k, precision);
  }
  void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                    GemmPrecision precision) override {
    record_gemm(m, n, k);
    CpuDelegatingBackend::linear_wgrad(x, dy, m, n, k, dw, precision);
  }
  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    ++attention_forward_calls;
    attention_flops += attention_forward_flops(shape);
    ++device_calls;
    count_device_time(device_ns_per_call);
    std::vector<double> o = CpuDelegatingBackend::attention_forward(shape, q, k, v);
    for (double& x : o) x *= attention_gain;
    return o;
  }
  AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                       std::span<const double> k, std::span<const double> v,
                                       std::span<const double> d_o) override {
    ++attention_backward_calls;
    attention_flops += attention_backward_flops(shape);
    ++device_calls;
    count_device_time(device_ns_per_call);
    return CpuDelegatingBackend::attention_backward(shape, q, k, v, d_o);
  }

  // The memory-bound ops: recorded, then the CPU references (the base class's).
  std::vector<double> rmsnorm(std::span<const double> x, int rows, int dim, int stride, std::span<const double> gamma,
                              double eps, GemmPrecision precision) override {
    record_norm_elementwise(rows > 0);
    return ComputeBackend::rmsnorm(x, rows, dim, stride, gamma, eps, precision);
  }
  std::vector<double> rmsnorm_backward(std::span<const double> x, int rows, int dim, int stride,
                                       std::span<const double> gamma, double eps, std::span<const double> dy,
                                       std::span<double> dgamma, GemmPrecision precision) override {
    record_norm_elementwise(rows > 0);
    return ComputeBackend::rmsnorm_backward(x, rows, dim, stride, gamma, eps, dy, dgamma, precision);
  }
  void add(std::span<double> sum, std::span<const double> other, GemmPrecision precision) override {
    record_norm_elementwise(!sum.empty());
    ComputeBackend::add(sum, other, precision);
  }
  void swiglu(std::span<const double> h, int rows, int inter, std::span<double> act,
              GemmPrecision precision) override {
    record_norm_elementwise(rows > 0);
    swiglu_device_calls += rows > 0;
    ComputeBackend::swiglu(h, rows, inter, act, precision);
  }
  void swiglu_backward(std::span<const double> h, int rows, int inter, std::span<const double> d_act,
                       std::span<double> dh, GemmPrecision precision) override {
    record_norm_elementwise(rows > 0);
    swiglu_device_calls += rows > 0;
    ComputeBackend::swiglu_backward(h, rows, inter, d_act, dh, precision);
  }
  void assemble_qkv(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                    std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out,
                    GemmPrecision precision) override {
    record_norm_elementwise(!positions.empty());
    ComputeBackend::assemble_qkv(d, q_up, kv_up, kv_down, positions, out, precision);
  }
  void assemble_qkv_backward(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                             std::span<const double> dv, std::span<const int> positions, std::vector<double>& d_q_up,
                             std::vector<double>& d_kv_up, std::span<double> d_kv_down,
                             GemmPrecision precision) override {
    record_norm_elementwise(!positions.empty());
    ComputeBackend::assemble_qkv_backward(d, dq, dk, dv, positions, d_q_up, d_kv_up, d_kv_down, precision);
  }
  void gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                          std::span<double> rows, GemmPrecision precision) override {
    record_permute(layout.counts[expert] > 0);
    ComputeBackend::gather_expert_rows(layout, expert, x, hidden, rows, precision);
  }
  void scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows, int hidden,
                               std::span<double> dx, GemmPrecision precision) override {
    record_permute(layout.counts[expert] > 0);
    ComputeBackend::scatter_add_expert_rows(layout, expert, d_rows, hidden, dx, precision);
  }
  void combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                           std::span<const double> rows, int hidden, std::span<double> y,
                           GemmPrecision precision) override {
    record_permute(layout.counts[expert] > 0);
    ComputeBackend::combine_expert_rows(layout, expert, gates, rows, hidden, y, precision);
  }
  void combine_expert_rows_backward(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                    std::span<const double> rows, std::span<const double> dy, int hidden,
                                    std::span<double> d_rows, std::span<double> d_gates,
                                    GemmPrecision precision) override {
    record_permute(layout.counts[expert] > 0);
    ComputeBackend::combine_expert_rows_backward(layout, expert, gates, rows, dy, hidden, d_rows, d_gates, precision);
  }

  // The model's two ends: recorded, then the CPU references.
  std::vector<double> embedding_forward(std::span<const double> table, int hidden, std::span<const int> ids,
                                        GemmPrecision precision) override {
    record_end();
    return ComputeBackend::embedding_forward(table, hidden, ids, precision);
  }
  void embedding_backward(std::span<const int> ids, int hidden, std::span<const double> dy, std::span<double> d_table,
                          GemmPrecision precision) override {
    record_end();
    ComputeBackend::embedding_backward(ids, hidden, dy, d_table, precision);
  }
  CrossEntropyResult cross_entropy(std::span<const double> logits, int rows, int vocab, std::span<const int> targets,
                                   GemmPrecision precision) override {
    record_end();
    return ComputeBackend::cross_entropy(logits, rows, vocab, targets, precision);
  }

  double attention_gain = 1;
  int64_t device_ns_per_call = 0;  // reported as each call's device time (count_device_time), as a GPU's would be
  int device_calls = 0;  // calls that ran a kernel
  int linear_calls = 0, attention_forward_calls = 0, attention_backward_calls = 0;
  int norm_elementwise_device_calls = 0, permute_device_calls = 0, swiglu_device_calls = 0, end_device_calls = 0;
  double gemm_flops = 0, attention_flops = 0;

 private:
  // A memory-bound op with rows runs its kernels (the CUDA back-end's rule); one without runs none.
  void record_norm_elementwise(bool has_rows) {
    if (!has_rows) return;
    ++norm_elementwise_device_calls;
    ++device_calls;
    count_device_time(device_ns_per_call);
  }
  void record_end() {
    ++end_device_calls;
    ++device_calls;
    count_device_time(device_ns_per_call);
  }
  void record_permute(bool has_rows) {
    if (!has_rows) return;
    ++permute_device_calls;
    ++device_calls;
    count_device_time(device_ns_per_call);
  }
  void record_gemm(int m, int n, int k) {
    ++linear_calls;
    gemm_flops += 2.0 * m * n * k;
    if (m == 0 || n == 0 || k == 0) return;  // an expert without rows: no kernel runs (the CUDA back-end's rule)
    ++device_calls;
    count_device_time(device_ns_per_call);
  }
};

struct Run {
  LossReport loss;
  ModelWeights grads;
  double counted_flops = 0;  // the op timer's, every op and pass
  StepTiming step;
};

Run run(ComputeBackend* backend, GemmPrecision precision) {
  ReducedDeepSeekV3 model(testing::tiny_config(), 1);
  model.weights = testing::test_weights(model.config(), 3);
  model.options.gemm_precision = precision;
  model.options.backend = backend;
  OpTimer timer;
  model.options.op_timer = &timer;
  timer.begin_step();
  Run r;
  r.loss = model.forward(kIds, testing::test_batch());
  r.grads = model.backward();
  timer.end_step();
  for (const TimedOp& op : timer.steps().at(0).ops) r.counted_flops += op.flops;
  r.counted_flops += timer.steps().at(0).untimed_flops;
  r.step = timer.steps().at(0);
  return r;
}

void expect_same_bits(GemmPrecision precision) {
  RecordingBackend recording;
  const Run cpu = run(nullptr, precision), through = run(&recording, precision);
  EXPECT_EQ(cpu.loss.total_loss, through.loss.total_loss);
  int tensors = 0;
  for_each_parameter(cpu.grads, through.grads,
                     [&](const std::string& name, int, const std::vector<double>& a, const std::vector<double>& b) {
                       ++tensors;
                       ASSERT_EQ(a.size(), b.size()) << name;
                       for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << name << "[" << i << "]";
                     });
  EXPECT_EQ(tensors, 74);  // every tensor of the tiny model (NOTES.md)

  // The tiny model has three MLA layers (layers 0 and 1, the MTP depth's block): one attention core each way.
  EXPECT_EQ(recording.attention_forward_calls, 3);
  EXPECT_EQ(recording.attention_backward_calls, 3);
  EXPECT_GT(recording.linear_calls, 0);
  EXPECT_GT(recording.norm_elementwise_device_calls, 0);
  EXPECT_GT(recording.permute_device_calls, 0);
  EXPECT_GT(recording.end_device_calls, 0);
  // Every FLOP the model counts ran on the back-end (the timer counts a GEMM's 2mnk and the attention core's
  // mla_problem.h figure once each, as the recording does; both sums are of the same doubles in the same order
  // only per kind, hence the relative tolerance of a few roundings).
  EXPECT_NEAR(recording.gemm_flops + recording.attention_flops, through.counted_flops, 1e-12 * through.counted_flops);
}

TEST(ComputeBackend, AnAttachedBackendThatComputesAsTheCpuChangesNoBitFp64) { expect_same_bits(GemmPrecision::kFP64); }
TEST(ComputeBackend, AnAttachedBackendThatComputesAsTheCpuChangesNoBitFp8) { expect_same_bits(GemmPrecision::kFP8); }

TEST(ComputeBackend, ABackendsDeviceTimeLandsInTheOpThatRanIt) {
  RecordingBackend recording;
  recording.device_ns_per_call = 1000;
  const auto r = run(&recording, GemmPrecision::kBF16);
  const int calls = recording.device_calls;
  // Every call runs inside a timed op: all of its device time is an op's, none the step's untimed.
  int64_t ops_ns = 0;
  int ops_with_device_time = 0, swiglu_ops_with_device_time = 0;
  for (const TimedOp& op : r.step.ops) {
    ops_ns += op.device_ns;
    ops_with_device_time += op.device_ns > 0;
    // The ops that ran a kernel: those whose GEMMs or attention core did arithmetic (counted FLOPs), every op of the
    // norm/element-wise kind (each calls the back-end) but an expert's SwiGLU where the expert got no rows, a
    // permute op where its expert has rows, and the embeddings' lookups and scatter-adds; no other.
    if (op.name == "swiglu") {
      swiglu_ops_with_device_time += op.device_ns > 0;
    } else if (op.kind == OpKind::kNormElementwise || op.name == "embedding" || op.name == "mtp_embedding") {
      EXPECT_GT(op.device_ns, 0) << op.name;
    } else if (op.kind != OpKind::kPermute) {
      EXPECT_EQ(op.device_ns > 0, op.flops > 0) << op.name;
    }
  }
  EXPECT_EQ(ops_ns, 1000LL * calls);
  EXPECT_EQ(swiglu_ops_with_device_time, recording.swiglu_device_calls);
  EXPECT_EQ(r.step.untimed_device_ns, 0);
  EXPECT_GT(ops_with_device_time, 0);
  int64_t kinds_ns = 0;
  for (const int64_t ns : r.step.kind_device_ns) kinds_ns += ns;
  EXPECT_EQ(kinds_ns, ops_ns);
  // The main model's and each MTP depth's final norm, forward and backward, are the head's (embedding_head, as the
  // catalog's head.norm); each end also looks its tokens up, scatters their gradient back and takes the loss.
  const int ends = 1 + testing::tiny_config().num_nextn_predict_layers, head_norms = 2 * ends;
  EXPECT_EQ(r.step.kind_device_ns[static_cast<int>(OpKind::kNormElementwise)],
            1000LL * (recording.norm_elementwise_device_calls - head_norms));
  EXPECT_EQ(recording.end_device_calls, 3 * ends);
  EXPECT_GE(r.step.kind_device_ns[static_cast<int>(OpKind::kEmbeddingHead)], 1000LL * (head_norms + 3 * ends));
  EXPECT_EQ(r.step.kind_device_ns[static_cast<int>(OpKind::kPermute)], 1000LL * recording.permute_device_calls);
  EXPECT_GT(recording.permute_device_calls, 0);
  EXPECT_GT(r.step.kind_device_ns[static_cast<int>(OpKind::kAttentionCore)], 0);
  // With no back-end reporting, no device time.
  const auto cpu = run(nullptr, GemmPrecision::kBF16);
  for (const TimedOp& op : cpu.step.ops) EXPECT_EQ(op.device_ns, 0) << op.name;
}

TEST(ComputeBackend, TheModelUsesWhatTheBackendComputes) {
  RecordingBackend doubled;
  doubled.attention_gain = 2;
  EXPECT_NE(run(nullptr, GemmPrecision::kFP64).loss.total_loss,
            run(&doubled, GemmPrecision::kFP64).loss.total_loss);
}

TEST(ComputeBackend, AttachingIsScopedAndNestsOnTheThread) {
  RecordingBackend outer, inner;
  EXPECT_EQ(current_backend().name(), "cpu");
  {
    AttachBackend a(&outer);
    EXPECT_EQ(&current_backend(), &outer);
    {
      AttachBackend b(&inner);
      EXPECT_EQ(&current_backend(), &inner);
    }
    EXPECT_EQ(&current_backend(), &outer);
    AttachBackend none(nullptr);
    EXPECT_EQ(&current_backend(), &cpu_backend());
  }
  EXPECT_EQ(&current_backend(), &cpu_backend());
}

}  // namespace
}  // namespace trainsim::kernels::model
