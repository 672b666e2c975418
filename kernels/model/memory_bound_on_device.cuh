// The memory-bound ops of a device back-end (compute_backend.h) on memory_bound_kernels.cuh's kernels, and the
// embedding and the loss on embedding_and_loss_kernels.cuh's (the routing and the optimizer:
// routing_and_optimizer_on_device.cuh): the CUDA back-end's (cuda_backend.cu), and in CI the same calls on the
// kernels' source run on the CPU through the CUDA emulation shim (tests/kernels/model/emulated_memory_bound_backend.h),
// so that what the layer check holds on a GPU is rehearsed here, host glue included. Each call: host FP64 operands
// uploaded as the storage type of the run's precision (BF16 at BF16 and FP8 GEMMs, rounded as the CPU back-end
// rounds; FP64 at FP64), outputs allocated, the kernels between start_memory_bound_kernels() and
// end_memory_bound_kernels() (the device time), results read back as FP64 (device_transfers.cuh). An op with no rows
// runs nothing; RoPE wider than the kernels' shared arrays runs the CPU reference, as do an embedding or a loss given
// ids or targets outside the table (the reference's error is the answer).
// A back-end derives from MemoryBoundOnDevice<Buffer, Launch, Base> (or ModelOpsOnDevice, which adds the routing and
// the optimizer) and gives the three hooks: Buffer<T> is device memory (kernels/common/device_buffer.cuh's interface:
// from a host vector or a count, get(), download()), Launch the kernels' launch callable (memory_bound_kernels.cuh).
// In the calls, d_<name> is <name>'s copy on the device.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "kernels/mla/mla_projections_ref.h"
#include "kernels/model/compute_backend.h"
#include "kernels/model/device_transfers.cuh"
#include "kernels/model/embedding.h"
#include "kernels/model/embedding_and_loss_kernels.cuh"
#include "kernels/model/expert_rows.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/memory_bound_kernels.cuh"

namespace trainsim::kernels::model {

namespace md = model_device;

template <template <class> class Buffer, class Launch, class Base = ComputeBackend>
class MemoryBoundOnDevice : public Base {
  using X = DeviceTransfers<Buffer>;

 public:
  std::vector<double> rmsnorm(std::span<const double> x, int rows, int dim, int stride, std::span<const double> gamma,
                              double eps, GemmPrecision precision) override {
    if (rows == 0) return rmsnorm_ref(x, rows, dim, stride, gamma, eps);
    return X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      const Buffer<T> d_x = X::template upload_as<T>(x), d_gamma = X::template upload_as<T>(gamma);
      Buffer<T> y(size_t(rows) * dim);
      start_memory_bound_kernels();
      md::launch_rmsnorm(memory_bound_launch(), d_x.get(), rows, dim, stride, d_gamma.get(), md::ArithmeticOf<T>(eps),
                         y.get());
      end_memory_bound_kernels();
      return X::read_back(y);
    });
  }

  std::vector<double> rmsnorm_backward(std::span<const double> x, int rows, int dim, int stride,
                                       std::span<const double> gamma, double eps, std::span<const double> dy,
                                       std::span<double> dgamma, GemmPrecision precision) override {
    if (rows == 0) return rmsnorm_backward_ref(x, rows, dim, stride, gamma, eps, dy, dgamma);
    return X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      using A = md::ArithmeticOf<T>;
      const Buffer<T> d_x = X::template upload_as<T>(x), d_gamma = X::template upload_as<T>(gamma),
                      d_dy = X::template upload_as<T>(dy);
      Buffer<T> dx(size_t(rows) * dim);
      Buffer<A> inv_of_row(rows), gamma_gradient(dim);
      start_memory_bound_kernels();
      md::launch_rmsnorm_backward(memory_bound_launch(), d_x.get(), rows, dim, stride, d_gamma.get(), A(eps),
                                  d_dy.get(), dx.get(), inv_of_row.get(), gamma_gradient.get());
      end_memory_bound_kernels();
      const std::vector<double> step = X::read_back(gamma_gradient);
      for (int c = 0; c < dim; ++c) dgamma[c] += step[c];
      return X::read_back(dx);
    });
  }

  void add(std::span<double> sum, std::span<const double> other, GemmPrecision precision) override {
    if (sum.size() != other.size()) throw std::invalid_argument("add: the two tensors differ in size");
    if (sum.empty()) return;
    X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      Buffer<T> d_sum = X::template upload_as<T>(sum);
      const Buffer<T> d_other = X::template upload_as<T>(other);
      start_memory_bound_kernels();
      md::launch_add(memory_bound_launch(), d_sum.get(), d_other.get(), int64_t(sum.size()));
      end_memory_bound_kernels();
      X::copy_into(X::read_back(d_sum), sum);
    });
  }

  void swiglu(std::span<const double> h, int rows, int inter, std::span<double> act, GemmPrecision precision) override {
    if (rows == 0 || inter == 0) return;
    X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      const Buffer<T> d_h = X::template upload_as<T>(h);
      Buffer<T> d_act(size_t(rows) * inter);
      start_memory_bound_kernels();
      md::launch_swiglu(memory_bound_launch(), d_h.get(), int64_t(rows), inter, d_act.get());
      end_memory_bound_kernels();
      X::copy_into(X::read_back(d_act), act);
    });
  }

  void swiglu_backward(std::span<const double> h, int rows, int inter, std::span<const double> d_act,
                       std::span<double> dh, GemmPrecision precision) override {
    if (rows == 0 || inter == 0) return;
    X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      const Buffer<T> d_h = X::template upload_as<T>(h), d_d_act = X::template upload_as<T>(d_act);
      Buffer<T> d_dh(size_t(rows) * 2 * inter);
      start_memory_bound_kernels();
      md::launch_swiglu_backward(memory_bound_launch(), d_h.get(), int64_t(rows), inter, d_d_act.get(), d_dh.get());
      end_memory_bound_kernels();
      X::copy_into(X::read_back(d_dh), dh);
    });
  }

  void assemble_qkv(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                    std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out,
                    GemmPrecision precision) override {
    const int tokens = int(positions.size());
    if (tokens == 0 || d.qk_rope > md::kMaxRopeDims) return assemble_qkv_ref(d, q_up, kv_up, kv_down, positions, out);
    X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      const Buffer<T> d_q_up = X::template upload_as<T>(q_up), d_kv_up = X::template upload_as<T>(kv_up),
                      d_kv_down = X::template upload_as<T>(kv_down);
      const Buffer<int> d_positions(std::vector<int>(positions.begin(), positions.end()));
      Buffer<T> q(size_t(tokens) * d.heads * d.qk_dim()), k(q.size()), v(size_t(tokens) * d.heads * d.v_dim);
      start_memory_bound_kernels();
      md::launch_rope_assemble(memory_bound_launch(), rope_dims(d), tokens, d_positions.get(), d_q_up.get(),
                               d_kv_up.get(), d_kv_down.get(), q.get(), k.get(), v.get());
      end_memory_bound_kernels();
      out.q = X::read_back(q);
      out.k = X::read_back(k);
      out.v = X::read_back(v);
    });
  }

  void assemble_qkv_backward(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                             std::span<const double> dv, std::span<const int> positions, std::vector<double>& d_q_up,
                             std::vector<double>& d_kv_up, std::span<double> d_kv_down,
                             GemmPrecision precision) override {
    const int tokens = int(positions.size());
    if (tokens == 0 || d.qk_rope > md::kMaxRopeDims)
      return assemble_qkv_backward_ref(d, dq, dk, dv, positions, d_q_up, d_kv_up, d_kv_down);
    X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      const Buffer<T> d_dq = X::template upload_as<T>(dq), d_dk = X::template upload_as<T>(dk),
                      d_dv = X::template upload_as<T>(dv);
      Buffer<T> d_d_kv_down = X::template upload_as<T>(d_kv_down);
      const Buffer<int> d_positions(std::vector<int>(positions.begin(), positions.end()));
      Buffer<T> d_d_q_up(dq.size()), d_d_kv_up(size_t(tokens) * d.heads * d.kv_up_dim());
      start_memory_bound_kernels();
      md::launch_rope_assemble_backward(memory_bound_launch(), rope_dims(d), tokens, d_positions.get(), d_dq.get(),
                                        d_dk.get(), d_dv.get(), d_d_q_up.get(), d_d_kv_up.get(), d_d_kv_down.get());
      end_memory_bound_kernels();
      d_q_up = X::read_back(d_d_q_up);
      d_kv_up = X::read_back(d_d_kv_up);
      X::copy_into(X::read_back(d_d_kv_down), d_kv_down);
    });
  }

  void gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                          std::span<double> rows, GemmPrecision precision) override {
    on_expert_rows(
        layout, expert, precision, [&](auto storage, const ExpertRows&, const Buffer<int>& token_of_row, int count) {
          using T = decltype(storage);
          const Buffer<T> d_x = X::template upload_as<T>(x);
          Buffer<T> out(size_t(count) * hidden);
          start_memory_bound_kernels();
          md::launch_gather_rows(memory_bound_launch(), token_of_row.get(), count, d_x.get(), hidden, out.get());
          end_memory_bound_kernels();
          X::copy_into(X::read_back(out), rows);
        });
  }

  void scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows, int hidden,
                               std::span<double> dx, GemmPrecision precision) override {
    on_expert_rows(layout, expert, precision,
                   [&](auto storage, const ExpertRows&, const Buffer<int>& token_of_row, int count) {
                     using T = decltype(storage);
                     using A = md::ArithmeticOf<T>;
                     const Buffer<T> d_d_rows = X::template upload_as<T>(d_rows);
                     Buffer<A> d_dx = X::template upload_as<A>(dx);
                     start_memory_bound_kernels();
                     md::launch_scatter_add_rows(memory_bound_launch(), token_of_row.get(), count, d_d_rows.get(),
                                                 hidden, d_dx.get());
                     end_memory_bound_kernels();
                     X::copy_into(X::read_back(d_dx), dx);
                   });
  }

  void combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                           std::span<const double> rows, int hidden, std::span<double> y,
                           GemmPrecision precision) override {
    on_expert_rows(layout, expert, precision,
                   [&](auto storage, const ExpertRows& r, const Buffer<int>& token_of_row, int count) {
                     using T = decltype(storage);
                     using A = md::ArithmeticOf<T>;
                     const Buffer<A> gate_of_row(gates_of_rows<A>(r, gates));
                     const Buffer<T> d_expert_rows = X::template upload_as<T>(rows);
                     Buffer<A> d_y = X::template upload_as<A>(y);
                     start_memory_bound_kernels();
                     md::launch_combine_rows(memory_bound_launch(), token_of_row.get(), gate_of_row.get(), count,
                                             d_expert_rows.get(), hidden, d_y.get());
                     end_memory_bound_kernels();
                     X::copy_into(X::read_back(d_y), y);
                   });
  }

  void combine_expert_rows_backward(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                    std::span<const double> rows, std::span<const double> dy, int hidden,
                                    std::span<double> d_rows, std::span<double> d_gates,
                                    GemmPrecision precision) override {
    on_expert_rows(
        layout, expert, precision, [&](auto storage, const ExpertRows& r, const Buffer<int>& token_of_row, int count) {
          using T = decltype(storage);
          using A = md::ArithmeticOf<T>;
          const Buffer<A> gate_of_row(gates_of_rows<A>(r, gates));
          const Buffer<T> d_expert_rows = X::template upload_as<T>(rows), d_dy = X::template upload_as<T>(dy);
          Buffer<T> d_d_rows(size_t(count) * hidden);
          Buffer<A> d_gate_of_row(count);
          start_memory_bound_kernels();
          md::launch_combine_rows_backward(memory_bound_launch(), token_of_row.get(), gate_of_row.get(), count,
                                           d_expert_rows.get(), d_dy.get(), hidden, d_d_rows.get(),
                                           d_gate_of_row.get());
          end_memory_bound_kernels();
          X::copy_into(X::read_back(d_d_rows), d_rows);
          const std::vector<double> by_row = X::read_back(d_gate_of_row);
          for (int i = 0; i < count; ++i) d_gates[r.slot_of_row[i]] = by_row[i];
        });
  }

  std::vector<double> embedding_forward(std::span<const double> table, int hidden, std::span<const int> ids,
                                        GemmPrecision precision) override {
    if (ids.empty() || hidden <= 0 || !X::all_below(ids, table.size() / size_t(hidden)))
      return model::embedding_forward(table, hidden, ids);
    return X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      const Buffer<T> d_table = X::template upload_as<T>(table);
      const Buffer<int> d_ids(std::vector<int>(ids.begin(), ids.end()));
      Buffer<T> out(ids.size() * size_t(hidden));
      start_memory_bound_kernels();
      md::launch_embedding_gather(memory_bound_launch(), d_ids.get(), int(ids.size()), d_table.get(), hidden,
                                  out.get());
      end_memory_bound_kernels();
      return X::read_back(out);
    });
  }

  void embedding_backward(std::span<const int> ids, int hidden, std::span<const double> dy, std::span<double> d_table,
                          GemmPrecision precision) override {
    if (ids.empty() || hidden <= 0) return;
    if (!X::all_below(ids, d_table.size() / size_t(hidden)))
      throw std::out_of_range("embedding_backward: a token id outside the table's gradient");
    X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      using A = md::ArithmeticOf<T>;
      const Buffer<T> d_dy = X::template upload_as<T>(dy);
      const Buffer<int> d_ids(std::vector<int>(ids.begin(), ids.end()));
      Buffer<A> d_d_table = X::template upload_as<A>(d_table);
      start_memory_bound_kernels();
      md::launch_embedding_scatter_add(memory_bound_launch(), d_ids.get(), int(ids.size()), d_dy.get(), hidden,
                                       d_d_table.get());
      end_memory_bound_kernels();
      X::copy_into(X::read_back(d_d_table), d_table);
    });
  }

  CrossEntropyResult cross_entropy(std::span<const double> logits, int rows, int vocab, std::span<const int> targets,
                                   GemmPrecision precision) override {
    const int count = int(std::count_if(targets.begin(), targets.end(), [](int t) { return t >= 0; }));
    if (rows <= 0 || vocab <= 0 || count == 0 || logits.size() != size_t(rows) * vocab ||
        targets.size() != size_t(rows) || !X::all_below(targets, size_t(vocab), true))
      return model::cross_entropy(logits, rows, vocab, targets);
    return X::on_storage(precision, [&](auto storage) {
      using T = decltype(storage);
      using A = md::ArithmeticOf<T>;
      const Buffer<T> d_logits = X::template upload_as<T>(logits);
      const Buffer<int> d_targets(std::vector<int>(targets.begin(), targets.end()));
      Buffer<T> gradient(logits.size());
      Buffer<A> loss_of_row{size_t(rows)};
      start_memory_bound_kernels();
      md::launch_cross_entropy(memory_bound_launch(), d_logits.get(), rows, vocab, d_targets.get(), A(count),
                               gradient.get(), loss_of_row.get());
      end_memory_bound_kernels();
      CrossEntropyResult r;
      r.count = count;
      r.d_logits = X::read_back(gradient);
      for (const double loss : X::read_back(loss_of_row)) r.loss += loss;  // rows in order, as the reference adds them
      r.loss /= count;
      return r;
    });
  }

 protected:
  virtual Launch memory_bound_launch() = 0;
  virtual void start_memory_bound_kernels() = 0;  // the device time of the call's kernels starts
  virtual void end_memory_bound_kernels() = 0;    // ... and ends (launch errors checked first)

 private:
  static md::RopeDims rope_dims(const MlaDims& d) {
    return md::RopeDims{d.heads, d.qk_nope, d.qk_rope, d.v_dim, d.kv_lora, d.rope_theta};
  }
  template <class A>
  static std::vector<A> gates_of_rows(const ExpertRows& r, std::span<const double> gates) {
    std::vector<A> out;
    for (const int64_t slot : r.slot_of_row) out.push_back(A(gates[slot]));
    return out;
  }
  // f(T{}, the expert's rows, their tokens on the device, their count) with T the storage at `precision`, for an
  // expert with rows; nothing for one without (no kernel runs, as no GEMM does).
  template <class F>
  void on_expert_rows(const ExpertLayout& layout, int expert, GemmPrecision precision, F&& f) {
    const ExpertRows r = expert_rows(layout, expert);
    if (r.token_of_row.empty()) return;
    const Buffer<int> token_of_row(r.token_of_row);
    X::on_storage(precision, [&](auto storage) { f(storage, r, token_of_row, int(r.token_of_row.size())); });
  }
};

}  // namespace trainsim::kernels::model
