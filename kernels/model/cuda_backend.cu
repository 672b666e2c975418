// The CUDA back-end of cuda_backend.h. Every call: host FP64 -> the operands' device format, the kernels on one
// stream between two events (their device time), a synchronize, device -> host FP64. Operand layouts follow the
// CPU back-end (linear_gemm.cc), so each GEMM is D[m][n] = A[m][k] B[n][k]^T with A and B row-major, transposed on
// the host where the CPU transposes them.
#include "kernels/model/cuda_backend.h"

#include <cuda_bf16.h>
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_buffer.cuh"
#include "kernels/common/stream_hold.cuh"
#include "kernels/fp8/fp8_scaling.h"
#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/fp8/sm90_fp8_quantize.h"
#include "kernels/mla/sm90_bf16_mla_attention.cuh"
#include "kernels/model/device_transfers.cuh"
#include "kernels/model/fp8_padding.h"
#include "kernels/model/linear_gemm.h"
#include "kernels/model/routing_and_optimizer_on_device.cuh"
#include "kernels/model/op_timer.h"

namespace trainsim::kernels::model {

namespace {

constexpr size_t kWorkspaceBytes = 32u << 20;  // cuBLASLt's workspace (its docs recommend 32 MiB on Hopper)

// rows x cols of x, transposed to cols x rows when asked.
template <typename T>
std::vector<T> laid_out(std::span<const double> x, int rows, int cols, bool transpose, T (*convert)(double)) {
  std::vector<T> out(x.size());
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      out[transpose ? size_t(c) * rows + r : size_t(r) * cols + c] = convert(x[size_t(r) * cols + c]);
  return out;
}

// Host FP64 values as the device stores them (BF16: float first, then nearest even, as the CPU back-end rounds), the
// conversions every call of this back-end uses (device_transfers.cuh).
using Transfers = DeviceTransfers<DeviceBuffer>;
constexpr auto to_bf16 = &Transfers::stored_as<__nv_bfloat16>;
constexpr auto to_double = &Transfers::stored_as<double>;

// memory_bound_kernels.cuh's launch callable: the kernel on one stream.
struct StreamLaunch {
  cudaStream_t stream;
  template <class Kernel, class... Args>
  void operator()(dim3 grid, dim3 block, Kernel kernel, Args... args) const {
    kernel<<<grid, block, 0, stream>>>(args...);
  }
};

class CudaBackend final : public ModelOpsOnDevice<DeviceBuffer, StreamLaunch> {
 public:
  explicit CudaBackend(CudaFp8Gemm fp8_gemm) : fp8_gemm_(fp8_gemm) {
    if (!has_cuda_device()) throw std::runtime_error("the CUDA back-end needs a CUDA device; this machine has none");
    TS_CUDA_CHECK(cudaStreamCreate(&stream_));
    TS_CUBLAS_CHECK(cublasLtCreate(&handle_));
    TS_CUDA_CHECK(cudaEventCreate(&kernels_start_));
    TS_CUDA_CHECK(cudaEventCreate(&kernels_end_));
    for (cudaEvent_t& e : part_ends_) TS_CUDA_CHECK(cudaEventCreate(&e));
    workspace_ = DeviceBuffer<uint8_t>(kWorkspaceBytes);
  }
  ~CudaBackend() override {
    if (calls_past_hold_ > 0)  // said where the run's log shows it: the timings of such calls are upper bounds
      std::fprintf(stderr, "CudaBackend: %lld of %lld calls were queued for longer than their stream hold; their "
                   "device times include host time\n", static_cast<long long>(calls_past_hold_),
                   static_cast<long long>(calls_));
    for (cudaEvent_t e : part_ends_) cudaEventDestroy(e);
    cudaEventDestroy(kernels_end_);
    cudaEventDestroy(kernels_start_);
    cublasLtDestroy(handle_);
    cudaStreamDestroy(stream_);
  }
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string_view name() const override { return "cuda"; }

  std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                     GemmPrecision precision) override {
    if (m == 0 || n == 0 || k == 0) return cpu_backend().linear_forward(x, w, m, n, k, precision);
    if (precision == GemmPrecision::kFP8) return fp8_gemm(fp8::GemmKind::kFprop, m, k, n, x, w);
    return gemm_nt(precision, x, false, w, false, m, n, k, /*a:*/ m, k, /*b:*/ n, k);
  }

  std::vector<double> linear_dgrad(std::span<const double> w, std::span<const double> dy, int m, int n, int k,
                                   GemmPrecision precision) override {
    if (m == 0 || n == 0 || k == 0) return cpu_backend().linear_dgrad(w, dy, m, n, k, precision);
    if (precision == GemmPrecision::kFP8) return fp8_gemm(fp8::GemmKind::kDgrad, m, k, n, dy, w);
    // dx[m][k] = dy[m][n] (w^T)[k][n]^T.
    return gemm_nt(precision, dy, false, w, true, m, k, n, /*a:*/ m, n, /*b:*/ n, k);
  }

  void linear_wgrad(std::span<const double> x, std::span<const double> dy, int m, int n, int k, std::span<double> dw,
                    GemmPrecision precision) override {
    if (m == 0 || n == 0 || k == 0) return cpu_backend().linear_wgrad(x, dy, m, n, k, dw, precision);
    // dw[n][k] += (dy^T)[n][m] (x^T)[k][m]^T.
    const std::vector<double> step = precision == GemmPrecision::kFP8
                                         ? fp8_gemm(fp8::GemmKind::kWgrad, m, k, n, dy, x)
                                         : gemm_nt(precision, dy, true, x, true, n, k, m, /*a:*/ m, n, /*b:*/ m, k);
    for (size_t i = 0; i < dw.size(); ++i) dw[i] += step[i];
  }

  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    AttentionOnDevice a(shape, q, k, v, stream_);
    start_kernels();
    a.forward();
    end_kernels();
    return a.download(a.o);
  }

  AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                       std::span<const double> k, std::span<const double> v,
                                       std::span<const double> d_o) override {
    AttentionOnDevice a(shape, q, k, v, stream_);
    // o and the log-sum-exp, which the backward kernels read (the CPU reference recomputes them too): a training
    // step keeps them from its forward, so their kernel is not the backward op's device time.
    a.forward();
    AttentionOnDevice::Gradients g(a, d_o);  // allocated and uploaded before the kernels' time starts
    start_kernels();
    a.backward(g);
    end_kernels();
    return AttentionGradsRef{a.download(g.dq), a.download(g.dk), a.download(g.dv)};
  }

 private:
  // The hooks of the ops on this folder's kernels (memory_bound_on_device.cuh): their kernels on this stream, timed
  // as the GEMMs'.
  StreamLaunch memory_bound_launch() override { return StreamLaunch{stream_}; }
  void start_memory_bound_kernels() override { start_kernels(); }
  void end_memory_bound_kernels() override {
    TS_CUDA_CHECK_LAUNCH();
    end_kernels();
  }

  // The attention core's tensors on the device, BF16 as the kernels take them.
  struct AttentionOnDevice {
    AttentionOnDevice(const AttentionShape& shape, std::span<const double> q_host, std::span<const double> k_host,
                      std::span<const double> v_host, cudaStream_t s)
        : stream(s), tokens(shape.batch.total_tokens()), heads(shape.heads) {
      args.sequences = shape.batch.sequences();
      args.max_length = shape.batch.max_length();
      args.total_tokens = tokens;
      args.heads = shape.heads;
      args.qk_dim = shape.qk_dim;
      args.v_dim = shape.v_dim;
      args.scale = float(shape.softmax_scale());
      cu_seqlens = DeviceBuffer<int>(shape.batch.cu_seqlens);
      args.cu_seqlens = cu_seqlens.get();
      q = upload(q_host);
      k = upload(k_host);
      v = upload(v_host);
      o = DeviceBuffer<__nv_bfloat16>(size_t(tokens) * heads * shape.v_dim);
      lse = DeviceBuffer<float>(size_t(tokens) * heads);
    }
    static DeviceBuffer<__nv_bfloat16> upload(std::span<const double> x) {
      return DeviceBuffer<__nv_bfloat16>(laid_out<__nv_bfloat16>(x, 1, int(x.size()), false, to_bf16));
    }
    std::vector<double> download(const DeviceBuffer<__nv_bfloat16>& x) const {
      TS_CUDA_CHECK(cudaStreamSynchronize(stream));
      const std::vector<__nv_bfloat16> h = x.download();
      std::vector<double> out(h.size());
      for (size_t i = 0; i < h.size(); ++i) out[i] = double(__bfloat162float(h[i]));
      return out;
    }
    void forward() {
      mla_attention_forward(args, q.get(), k.get(), v.get(), o.get(), lse.get(), stream, kModelAttentionKernel);
      TS_CUDA_CHECK_LAUNCH();
    }
    // The backward's input gradient and its outputs on the device.
    struct Gradients {
      Gradients(const AttentionOnDevice& a, std::span<const double> d_o_host)
          : d_o(upload(d_o_host)), delta(size_t(a.tokens) * a.heads), dq(a.q.size()), dk(a.k.size()), dv(a.v.size()) {}
      DeviceBuffer<__nv_bfloat16> d_o;
      DeviceBuffer<float> delta;
      DeviceBuffer<__nv_bfloat16> dq, dk, dv;
    };
    void backward(Gradients& g) {
      mla_attention_backward(args, q.get(), k.get(), v.get(), o.get(), lse.get(), g.d_o.get(), g.delta.get(),
                             g.dq.get(), g.dk.get(), g.dv.get(), stream, kModelAttentionKernel);
      TS_CUDA_CHECK_LAUNCH();
    }

    cudaStream_t stream;
    int tokens, heads;
    AttentionDeviceArgs args;
    DeviceBuffer<int> cu_seqlens;
    DeviceBuffer<__nv_bfloat16> q, k, v, o;
    DeviceBuffer<float> lse;
  };

  // D[m][n] = A[m][k] B[n][k]^T by cuBLASLt, where A is `a` (a_rows x a_cols, row-major) or its transpose and B is
  // `b` (b_rows x b_cols) or its transpose. BF16: operands rounded to BF16,
  // FP32 accumulation and output; FP64: all FP64. cuBLASLt is column-major: row-major D[m][n] is column-major D^T
  // (n x m) = B A^T, so cuBLASLt's A is our B read as k x n with op T, and its B is our A read as k x m with op N.
  std::vector<double> gemm_nt(GemmPrecision precision, std::span<const double> a, bool transpose_a,
                              std::span<const double> b, bool transpose_b, int m, int n, int k, int a_rows,
                              int a_cols, int b_rows, int b_cols) {
    if (precision == GemmPrecision::kBF16) {
      const DeviceBuffer<__nv_bfloat16> da(laid_out<__nv_bfloat16>(a, a_rows, a_cols, transpose_a, to_bf16));
      const DeviceBuffer<__nv_bfloat16> db(laid_out<__nv_bfloat16>(b, b_rows, b_cols, transpose_b, to_bf16));
      DeviceBuffer<float> dd(size_t(m) * n);
      matmul(CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, da.get(), db.get(), dd.get(), m, n, k);
      const std::vector<float> d = dd.download();
      return std::vector<double>(d.begin(), d.end());
    }
    const DeviceBuffer<double> da(laid_out<double>(a, a_rows, a_cols, transpose_a, to_double));
    const DeviceBuffer<double> db(laid_out<double>(b, b_rows, b_cols, transpose_b, to_double));
    DeviceBuffer<double> dd(size_t(m) * n);
    matmul(CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, da.get(), db.get(), dd.get(), m, n, k);
    return dd.download();
  }

  void matmul(cudaDataType_t in_type, cudaDataType_t out_type, cublasComputeType_t compute, const void* a,
              const void* b, void* d, int m, int n, int k) {
    const cudaDataType_t scale_type = compute == CUBLAS_COMPUTE_64F ? CUDA_R_64F : CUDA_R_32F;
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t la = nullptr, lb = nullptr, ld = nullptr;
    cublasLtMatmulPreference_t pref = nullptr;
    TS_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc, compute, scale_type));
    const cublasOperation_t op_t = CUBLAS_OP_T, op_n = CUBLAS_OP_N;
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_t, sizeof op_t));
    TS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_n, sizeof op_n));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&la, in_type, k, n, k));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&lb, in_type, k, m, k));
    TS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&ld, out_type, n, m, n));
    TS_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const size_t ws = workspace_.bytes();
    TS_CUBLAS_CHECK(
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    TS_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle_, desc, la, lb, ld, ld, pref, 1, &result, &found));
    if (found == 0)
      throw std::runtime_error("cuBLASLt has no algorithm for the GEMM m=" + std::to_string(m) +
                               " n=" + std::to_string(n) + " k=" + std::to_string(k));
    const double alpha64 = 1, beta64 = 0;
    const float alpha32 = 1, beta32 = 0;
    const void* alpha = scale_type == CUDA_R_64F ? static_cast<const void*>(&alpha64) : &alpha32;
    const void* beta = scale_type == CUDA_R_64F ? static_cast<const void*>(&beta64) : &beta32;
    // The kernel's device time, the host's descriptors and heuristics left out; the call waits for it.
    start_kernels();
    TS_CUBLAS_CHECK(cublasLtMatmul(handle_, desc, alpha, b, la, a, lb, beta, d, ld, d, ld, &result.algo,
                                   workspace_.get(), ws, stream_));
    end_kernels();
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(ld);
    cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(la);
    cublasLtMatmulDescDestroy(desc);
  }

  // One FP8 GEMM of a linear, quantized on the device as fp8::make_training_operands quantizes on the host
  // (first, second in training_gemm.h's order: Fprop X, W; Dgrad dY, W; Wgrad dY, X), at the sizes fp8_padding.h
  // pads to (the kernels want K % 16 == 0 and N % 8 == 0; the padded output's top-left is the unpadded GEMM's).
  std::vector<double> fp8_gemm(fp8::GemmKind kind, int tokens, int in, int out, std::span<const double> first,
                               std::span<const double> second) {
    const Fp8LayerSizes sizes{tokens, in, out}, to = fp8_padded_sizes(kind, sizes);
    const fp8::GemmShape shape = fp8::training_gemm_shape(kind, tokens, in, out),
                         padded = fp8::training_gemm_shape(kind, to.tokens, to.in, to.out);
    const Fp8GemmTensors host = fp8_padded_tensors(kind, sizes, to, first, second);
    const DeviceBuffer<float> df(host.first), ds(host.second);
    // Each tensor's rows x cols as padded: Fprop X [tokens][in], W [out][in]; Dgrad dY [tokens][out], W [out][in];
    // Wgrad dY [tokens][out], X [tokens][in].
    const bool wgrad = kind == fp8::GemmKind::kWgrad;
    const int first_cols = kind == fp8::GemmKind::kFprop ? to.in : to.out;
    const fp8::QuantizeInput first_in{df.get(), fp8::InputType::kFP32, to.tokens, first_cols};
    const fp8::QuantizeInput second_in{ds.get(), fp8::InputType::kFP32, wgrad ? to.tokens : to.out, to.in};
    const int m = padded.m, n = padded.n, k = padded.k;
    DeviceBuffer<uint8_t> a(size_t(m) * k), b(size_t(n) * k);
    DeviceBuffer<float> a_scales(fp8::scale_count(fp8::ScaleTiling::kRow1x128, m, k));
    const fp8::ScaleTiling b_tiling = wgrad ? fp8::ScaleTiling::kRow1x128 : fp8::ScaleTiling::kBlock128x128;
    DeviceBuffer<float> b_scales(fp8::scale_count(b_tiling, n, k));
    // Dgrad quantizes W into its 128x128 blocks and their transposes; the transposes are B.
    const bool dgrad = kind == fp8::GemmKind::kDgrad;
    DeviceBuffer<uint8_t> w_codes(dgrad ? size_t(to.out) * to.in : 0);
    DeviceBuffer<float> w_scales(dgrad ? fp8::scale_count(fp8::ScaleTiling::kBlock128x128, to.out, to.in) : 0);
    DeviceBuffer<float> d(size_t(m) * n);
    fp8::Fp8GemmArgs args;
    args.m = m;
    args.n = n;
    args.k = k;
    args.a = a.get();
    args.a_scales = a_scales.get();
    args.b = b.get();
    args.b_scales = b_scales.get();
    args.b_tiling = b_tiling;
    args.d = d.get();
    args.d_type = fp8::OutputType::kFP32;
    // Every buffer is allocated before the kernels' time starts. The casts run inside the GEMM op (the model counts
    // them in its GEMMs), each timed as a part of its own (op_timer.h's DeviceWork): the first operand is always an
    // activation or its gradient; the second a weight, but Wgrad's, which is X.
    start_kernels();
    switch (kind) {
      case fp8::GemmKind::kFprop:  // A = X (1x128), B = W (128x128)
        fp8::sm90_fp8_quantize_rows(first_in, a.get(), a_scales.get(), stream_);
        end_part(DeviceWork::kActivationCast);
        fp8::sm90_fp8_quantize_blocks(second_in, b.get(), b_scales.get(), nullptr, nullptr, stream_);
        end_part(DeviceWork::kWeightCast);
        break;
      case fp8::GemmKind::kDgrad:  // A = dY (1x128), B = W^T (W's 128x128 blocks, transposed)
        fp8::sm90_fp8_quantize_rows(first_in, a.get(), a_scales.get(), stream_);
        end_part(DeviceWork::kActivationCast);
        fp8::sm90_fp8_quantize_blocks(second_in, w_codes.get(), w_scales.get(), b.get(), b_scales.get(), stream_);
        end_part(DeviceWork::kWeightCast);
        break;
      case fp8::GemmKind::kWgrad:  // A = dY^T (128x1 of dY), B = X^T (128x1 of X)
        fp8::sm90_fp8_quantize_rows_transposed(first_in, a.get(), a_scales.get(), stream_);
        end_part(DeviceWork::kActivationCast);
        fp8::sm90_fp8_quantize_rows_transposed(second_in, b.get(), b_scales.get(), stream_);
        end_part(DeviceWork::kActivationCast);
        break;
    }
    TS_CUDA_CHECK_LAUNCH();
    fp8::sm90_fp8_gemm(args, fp8_gemm_ == CudaFp8Gemm::kWgmma ? fp8::GemmVariant::kWgmma : fp8::GemmVariant::kSimt,
                       stream_);
    TS_CUDA_CHECK_LAUNCH();
    end_kernels();
    return fp8_unpadded_output(d.download(), shape.m, n, shape.n);
  }

  // The device time of a call's kernels: an event recorded just before the first is launched and one just after the
  // last, on the stream, their interval by the device's clock (about 0.5 us resolution) reported to the op running
  // now (op_timer.h's count_device_time). The operands' copies, the allocations and cuBLASLt's heuristics lie outside
  // it. The stream is held first (stream_hold.cuh) for twice the longest time the host has taken to queue a call's
  // kernels, at least 200 us and at most 2 ms, so the events time the device's work and not the host's launches: on an
  // idle stream the first launch lies inside the interval (the 2026-12-04 H200 run timed a small cuBLASLt GEMM 22-39 us
  // so, and about 10 us queued back to back; kernels/model/NOTES.md). The bound matters: a call whose host waits on
  // the device inside its interval (a cudaFree synchronizes) measures the hold as queue time, and an unbounded hold
  // then doubled call after call (the second H200 run's layer check hung so). A call whose queueing outlasted its
  // hold is counted, in the run and in its step (count_call_past_hold): its interval holds host time.
  // A call may end parts of its kernels (end_part: an FP8 GEMM's casts) before the rest, its own kernels'.
  void start_kernels() {
    parts_ = 0;
    hold_seconds_ = std::clamp(2 * longest_queue_seconds_, kShortestHoldSeconds, kLongestHoldSeconds);
    hold_stream(stream_, hold_seconds_);
    TS_CUDA_CHECK(cudaEventRecord(kernels_start_, stream_));
    queued_from_ = std::chrono::steady_clock::now();
  }
  void end_part(DeviceWork work) {
    if (parts_ == part_ends_.size()) throw std::logic_error("CudaBackend: more parts than events for them");
    TS_CUDA_CHECK(cudaEventRecord(part_ends_[parts_], stream_));
    part_work_[parts_++] = work;
  }
  void end_kernels() {
    TS_CUDA_CHECK(cudaEventRecord(kernels_end_, stream_));
    const double queue_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - queued_from_).count();
    longest_queue_seconds_ = std::max(longest_queue_seconds_, queue_seconds);
    ++calls_;
    if (queue_seconds > hold_seconds_) {
      ++calls_past_hold_;
      count_call_past_hold();
    }
    TS_CUDA_CHECK(cudaEventSynchronize(kernels_end_));
    cudaEvent_t from = kernels_start_;
    for (size_t p = 0; p <= parts_; ++p) {
      const cudaEvent_t to = p < parts_ ? part_ends_[p] : kernels_end_;
      float ms = 0;
      TS_CUDA_CHECK(cudaEventElapsedTime(&ms, from, to));
      count_device_time(static_cast<int64_t>(std::llround(double(ms) * 1e6)),
                        p < parts_ ? part_work_[p] : DeviceWork::kKernels);
      from = to;
    }
  }

  CudaFp8Gemm fp8_gemm_;
  cudaStream_t stream_ = nullptr;
  cublasLtHandle_t handle_ = nullptr;
  cudaEvent_t kernels_start_ = nullptr, kernels_end_ = nullptr;
  std::chrono::steady_clock::time_point queued_from_{};
  static constexpr double kShortestHoldSeconds = 200e-6, kLongestHoldSeconds = 2e-3;
  double longest_queue_seconds_ = 0;  // the host's longest time from a call's first launch to its last, so far
  double hold_seconds_ = 0;           // the hold ahead of the call being queued
  int64_t calls_ = 0, calls_past_hold_ = 0;
  std::array<cudaEvent_t, 2> part_ends_{};  // an FP8 GEMM's two casts
  std::array<DeviceWork, 2> part_work_{};
  size_t parts_ = 0;
  DeviceBuffer<uint8_t> workspace_;
};

}  // namespace

std::unique_ptr<ComputeBackend> make_cuda_backend(CudaFp8Gemm fp8_gemm) {
  return std::make_unique<CudaBackend>(fp8_gemm);
}

bool cuda_device_present() { return has_cuda_device(); }

}  // namespace trainsim::kernels::model
