// The CUDA back-end's memory-bound kernels (memory_bound_kernels.cuh), their own source run on the CPU through
// cuda_host_emulation.h, against the CPU references the model runs (mla_projections_ref.h, grouped_gemm_ref.h,
// moe_layer.h) on the same inputs. Both storage types the back-end uses:
// - double (FP64 arithmetic): the references' own arithmetic, in another order where a kernel reduces over a tree:
//   n terms differ by at most about n 2^-53 of their magnitudes (1e-14 here, n under 100); bound 1e-12;
// - __nv_bfloat16 (FP32 arithmetic), inputs BF16-representable so both sides read the same values.
// The bounds and why: tests/kernels/model/emulated_storage.h.
// The GPU check (model_cuda_check) repeats them on the device through the layer check.
// clang-format off
// The shim first: the kernel header takes the CUDA built-ins from it.
#include "tests/kernels/common/cuda_host_emulation.h"
#include "kernels/model/memory_bound_kernels.cuh"
#include "tests/kernels/model/emulated_storage.h"
// clang-format on

#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels/mla/mla_projections_ref.h"
#include "kernels/model/expert_rows.h"
#include "kernels/model/moe_layer.h"
#include "kernels/moe/grouped_gemm_ref.h"
#include "kernels/moe/permute_ref.h"
#include "tests/kernels/mla/mla_test_util.h"

namespace trainsim::kernels {
namespace {

namespace md = model_device;
using namespace testing::emulated_storage;
using testing::rel_l2;

template <class T>
class MemoryBoundKernelEmulation : public ::testing::Test {};
TYPED_TEST_SUITE(MemoryBoundKernelEmulation, StorageTypes);

TYPED_TEST(MemoryBoundKernelEmulation, RmsNormAndItsBackwardMatchTheReference) {
  using T = TypeParam;
  using A = md::ArithmeticOf<T>;
  const int rows = 5, dim = 200, stride = 216;  // a strided read (the KV latent's first kv_lora columns); 2 passes
  const double eps = 1e-6;
  const auto x = values<T>(size_t(rows) * stride, 1), gamma = values<T>(dim, 2), dy = values<T>(size_t(rows) * dim, 3);
  const auto dx_x = stored<T>(x), d_gamma = stored<T>(gamma), d_dy = stored<T>(dy);
  std::vector<T> y(size_t(rows) * dim), dx(size_t(rows) * dim);
  md::launch_rmsnorm(kEmulated, dx_x.data(), rows, dim, stride, d_gamma.data(), A(eps), y.data());
  EXPECT_LE(rel_l2(read(y), rmsnorm_ref(x, rows, dim, stride, gamma, eps)), stored_bound<T>());

  std::vector<A> inv_of_row(rows), dgamma(dim);
  md::launch_rmsnorm_backward(kEmulated, dx_x.data(), rows, dim, stride, d_gamma.data(), A(eps), d_dy.data(),
                              dx.data(), inv_of_row.data(), dgamma.data());
  std::vector<double> dgamma_ref(dim, 0.0);
  const std::vector<double> dx_ref = rmsnorm_backward_ref(x, rows, dim, stride, gamma, eps, dy, dgamma_ref);
  EXPECT_LE(rel_l2(read(dx), dx_ref), stored_bound<T>());
  EXPECT_LE(rel_l2(std::vector<double>(dgamma.begin(), dgamma.end()), dgamma_ref), arithmetic_bound<T>());
}

TYPED_TEST(MemoryBoundKernelEmulation, AddAndSwigluMatchTheReference) {
  using T = TypeParam;
  const int rows = 7, inter = 40;  // 280 outputs over 3 blocks of 128 threads: the grid-stride loop's tail
  const auto a = values<T>(size_t(rows) * inter, 4), b = values<T>(size_t(rows) * inter, 5);
  std::vector<T> sum = stored<T>(a);
  const std::vector<T> other = stored<T>(b);
  md::launch_add(kEmulated, sum.data(), other.data(), int64_t(a.size()));
  std::vector<double> sum_ref = a;
  for (size_t i = 0; i < a.size(); ++i) sum_ref[i] += b[i];
  EXPECT_LE(rel_l2(read(sum), sum_ref), stored_bound<T>());

  const auto h = values<T>(size_t(rows) * 2 * inter, 6), d_act = values<T>(size_t(rows) * inter, 7);
  const std::vector<T> dh_in = stored<T>(h), d_d_act = stored<T>(d_act);
  std::vector<T> act(size_t(rows) * inter), dh(h.size());
  md::launch_swiglu(kEmulated, dh_in.data(), int64_t(rows), inter, act.data());
  std::vector<double> act_ref(act.size()), dh_ref(h.size());
  swiglu_ref(h, rows, inter, act_ref);
  EXPECT_LE(rel_l2(read(act), act_ref), stored_bound<T>());
  md::launch_swiglu_backward(kEmulated, dh_in.data(), int64_t(rows), inter, d_d_act.data(), dh.data());
  swiglu_backward_ref(h, rows, inter, d_act, dh_ref);
  EXPECT_LE(rel_l2(read(dh), dh_ref), stored_bound<T>());
}

TYPED_TEST(MemoryBoundKernelEmulation, RopeAssemblyAndItsBackwardMatchTheReference) {
  using T = TypeParam;
  MlaDims d;
  d.heads = 3, d.qk_nope = 8, d.qk_rope = 6, d.v_dim = 10, d.kv_lora = 12;
  const md::RopeDims rope{d.heads, d.qk_nope, d.qk_rope, d.v_dim, d.kv_lora, d.rope_theta};
  const std::vector<int> positions{0, 1, 2, 47, 4095};  // the last at DeepSeek-V3's pre-training length
  const int tokens = int(positions.size()), qk = d.qk_dim(), up = d.kv_up_dim();
  const auto q_up = values<T>(size_t(tokens) * d.heads * qk, 8), kv_up = values<T>(size_t(tokens) * d.heads * up, 9),
             kv_down = values<T>(size_t(tokens) * d.kv_down_dim(), 10);
  const std::vector<T> s_q_up = stored<T>(q_up), s_kv_up = stored<T>(kv_up), s_kv_down = stored<T>(kv_down);
  std::vector<T> q(q_up.size()), k(q_up.size()), v(size_t(tokens) * d.heads * d.v_dim);
  md::launch_rope_assemble(kEmulated, rope, tokens, positions.data(), s_q_up.data(), s_kv_up.data(), s_kv_down.data(),
                           q.data(), k.data(), v.data());
  MlaQkvRef ref;
  assemble_qkv_ref(d, q_up, kv_up, kv_down, positions, ref);
  EXPECT_LE(rel_l2(read(q), ref.q), stored_bound<T>());
  EXPECT_LE(rel_l2(read(k), ref.k), stored_bound<T>());
  EXPECT_LE(rel_l2(read(v), ref.v), stored_bound<T>());

  const auto dq = values<T>(q.size(), 11), dk = values<T>(k.size(), 12), dv = values<T>(v.size(), 13);
  const std::vector<T> s_dq = stored<T>(dq), s_dk = stored<T>(dk), s_dv = stored<T>(dv);
  std::vector<T> d_q_up(q.size()), d_kv_up(kv_up.size()), d_kv_down = stored<T>(std::vector<double>(kv_down.size()));
  md::launch_rope_assemble_backward(kEmulated, rope, tokens, positions.data(), s_dq.data(), s_dk.data(), s_dv.data(),
                                    d_q_up.data(), d_kv_up.data(), d_kv_down.data());
  std::vector<double> d_q_up_ref, d_kv_up_ref, d_kv_down_ref(kv_down.size(), 0.0);
  assemble_qkv_backward_ref(d, dq, dk, dv, positions, d_q_up_ref, d_kv_up_ref, d_kv_down_ref);
  EXPECT_LE(rel_l2(read(d_q_up), d_q_up_ref), stored_bound<T>());
  EXPECT_LE(rel_l2(read(d_kv_up), d_kv_up_ref), stored_bound<T>());
  EXPECT_LE(rel_l2(read(d_kv_down), d_kv_down_ref), stored_bound<T>());
  // Only the shared key's rope columns carry a gradient from here (the latent's come from kv_norm's backward).
  for (int t = 0; t < tokens; ++t)
    for (int c = 0; c < d.kv_lora; ++c) EXPECT_EQ(read(d_kv_down)[size_t(t) * d.kv_down_dim() + c], 0.0);
}

TYPED_TEST(MemoryBoundKernelEmulation, AnExpertsGatherScatterAndCombineMatchTheReference) {
  using T = TypeParam;
  using A = md::ArithmeticOf<T>;
  const int tokens = 9, top_k = 2, experts = 4, hidden = 136;  // hidden over one block of threads
  std::vector<int> ids;
  for (int t = 0; t < tokens; ++t) ids.insert(ids.end(), {t % experts, (t + 1 + t / 4) % experts});
  const ExpertLayout layout = plan_expert_layout(ids, top_k, experts, 1);
  const auto x = values<T>(size_t(tokens) * hidden, 14), gates = values<T>(size_t(tokens) * top_k, 15),
             y0 = values<T>(size_t(tokens) * hidden, 16), dy = values<T>(size_t(tokens) * hidden, 17);
  const std::vector<T> s_x = stored<T>(x), s_dy = stored<T>(dy);
  for (int e = 0; e < experts; ++e) {
    SCOPED_TRACE("expert " + std::to_string(e));
    const model::ExpertRows rows = model::expert_rows(layout, e);
    const int count = int(rows.token_of_row.size());
    ASSERT_GT(count, 0);
    std::vector<A> gate_of_row;
    for (int64_t slot : rows.slot_of_row) gate_of_row.push_back(A(gates[slot]));

    std::vector<T> gathered(size_t(count) * hidden);
    md::launch_gather_rows(kEmulated, rows.token_of_row.data(), count, s_x.data(), hidden, gathered.data());
    std::vector<double> gathered_ref(gathered.size());
    model::gather_expert_rows(layout, e, x, hidden, gathered_ref);
    EXPECT_EQ(read(gathered), gathered_ref);  // a copy: exact

    const auto expert_out = values<T>(gathered.size(), 18 + e);
    const std::vector<T> s_out = stored<T>(expert_out);
    std::vector<A> y = in_arithmetic<A>(y0), dx = in_arithmetic<A>(y0);  // the sums, kept in the arithmetic's type
    md::launch_combine_rows(kEmulated, rows.token_of_row.data(), gate_of_row.data(), count, s_out.data(), hidden,
                            y.data());
    std::vector<double> y_ref = y0;
    model::combine_expert_rows(layout, e, gates, expert_out, hidden, y_ref);
    EXPECT_LE(rel_l2(std::vector<double>(y.begin(), y.end()), y_ref), arithmetic_bound<T>());

    md::launch_scatter_add_rows(kEmulated, rows.token_of_row.data(), count, s_out.data(), hidden, dx.data());
    std::vector<double> dx_ref = y0;
    model::scatter_add_expert_rows(layout, e, expert_out, hidden, dx_ref);
    EXPECT_LE(rel_l2(std::vector<double>(dx.begin(), dx.end()), dx_ref), arithmetic_bound<T>());

    std::vector<T> d_rows(gathered.size());
    std::vector<A> d_gate_of_row(count);
    md::launch_combine_rows_backward(kEmulated, rows.token_of_row.data(), gate_of_row.data(), count, s_out.data(),
                                     s_dy.data(), hidden, d_rows.data(), d_gate_of_row.data());
    std::vector<double> d_rows_ref(gathered.size()), d_gates_ref(gates.size(), 0.0), d_gates(gates.size(), 0.0);
    model::combine_expert_rows_backward(layout, e, gates, expert_out, dy, hidden, d_rows_ref, d_gates_ref);
    for (int r = 0; r < count; ++r) d_gates[rows.slot_of_row[r]] = d_gate_of_row[r];
    EXPECT_LE(rel_l2(read(d_rows), d_rows_ref), stored_bound<T>());
    EXPECT_LE(rel_l2(d_gates, d_gates_ref), arithmetic_bound<T>());
  }
}

}  // namespace
}  // namespace trainsim::kernels
