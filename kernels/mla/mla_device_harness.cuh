// What the MLA check and benchmark drivers share: device buffers, BF16 upload of host values (rounded on the
// host exactly as the device holds them), poisoning (all-ones bytes: NaN in BF16 and FP32), error against
// the FP64 reference, and event timing (median of repetitions after a warm-up; docs/kernel-method.md).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_buffer.cuh"
#include "kernels/common/gpu_timing.cuh"
#include "kernels/common/error_metrics.h"
#include "kernels/common/random_fill.h"
#include "kernels/mla/bf16_host.h"

namespace trainsim::kernels {

// Normal(0, stddev) values already rounded to BF16, as doubles for the reference.
inline std::vector<double> random_bf16_values(size_t n, uint64_t seed, float stddev = 1.0f) {
  std::vector<float> f(n);
  fill_normal(f, seed, stddev);
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = round_to_bf16(f[i]);
  return out;
}

inline void round_values_to_bf16(std::vector<double>& x) {
  for (double& e : x) e = round_to_bf16(float(e));
}

inline DeviceBuffer<__nv_bfloat16> upload_bf16(std::span<const double> x) {
  std::vector<uint16_t> bits(x.size());
  for (size_t i = 0; i < x.size(); ++i) bits[i] = float_to_bf16_bits(float(x[i]));
  DeviceBuffer<__nv_bfloat16> buf(x.size());
  TS_CUDA_CHECK(cudaMemcpy(buf.get(), bits.data(), bits.size() * 2, cudaMemcpyHostToDevice));
  return buf;
}

inline DeviceBuffer<int> upload_ints(std::span<const int> x) {
  DeviceBuffer<int> buf(x.size());
  TS_CUDA_CHECK(cudaMemcpy(buf.get(), x.data(), x.size() * sizeof(int), cudaMemcpyHostToDevice));
  return buf;
}

inline std::vector<float> download(const DeviceBuffer<__nv_bfloat16>& buf) {
  std::vector<uint16_t> bits(buf.size());
  TS_CUDA_CHECK(cudaMemcpy(bits.data(), buf.get(), bits.size() * 2, cudaMemcpyDeviceToHost));
  std::vector<float> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = bf16_bits_to_float(bits[i]);
  return out;
}

inline std::vector<float> download(const DeviceBuffer<float>& buf) {
  std::vector<float> out(buf.size());
  TS_CUDA_CHECK(cudaMemcpy(out.data(), buf.get(), out.size() * sizeof(float), cudaMemcpyDeviceToHost));
  return out;
}

// One check line: name, relative L2, max relative, unwritten or non-finite count, bound, PASS/FAIL.
class CheckLog {
 public:
  bool expect(const std::string& what, std::span<const float> out, std::span<const double> ref, double bound) {
    const ErrorMetrics m = compare(out, ref, 1e-3);
    const bool ok = m.non_finite == 0 && m.relative_l2 <= bound && out.size() == ref.size();
    std::printf("%-58s rel_l2 %.3e  max_rel %.3e  non_finite %lld  bound %.0e  %s\n", what.c_str(), m.relative_l2,
                m.max_relative, m.non_finite, bound, ok ? "PASS" : "FAIL");
    failures_ += ok ? 0 : 1;
    return ok;
  }
  bool expect_true(const std::string& what, bool ok) {
    std::printf("%-58s %s\n", what.c_str(), ok ? "PASS" : "FAIL");
    failures_ += ok ? 0 : 1;
    return ok;
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

}  // namespace trainsim::kernels

namespace trainsim::kernels {

// Benchmark rows, one per (op, shape): printed as a line and written as CSV (to a temporary name, renamed
// when complete, so a crashed run leaves no half file). Rates come from the problem's FLOP and byte counts.
class BenchCsv {
 public:
  explicit BenchCsv(std::string path) : path_(std::move(path)) {}
  void add(const std::string& op, const std::string& variant, const std::string& shape, double time_s, double flops,
           double bytes) {
    std::printf("%-22s %-16s %-34s %10.3f ms %8.1f TFLOPS %8.1f GB/s\n", op.c_str(), variant.c_str(), shape.c_str(),
                time_s * 1e3, flops / time_s * 1e-12, bytes / time_s * 1e-9);
    char line[512];
    std::snprintf(line, sizeof line, "%s,%s,%s,%.9g,%.9g,%.9g,%.6g,%.6g\n", op.c_str(), variant.c_str(), shape.c_str(),
                  time_s, flops, bytes, flops / time_s * 1e-12, bytes / time_s * 1e-9);
    rows_ += line;
  }
  void write() const {
    if (path_.empty()) return;
    const std::string tmp = path_ + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + tmp);
    std::fputs("op,variant,shape,time_s,flops,bytes,tflops,gbps\n", f);
    std::fputs(rows_.c_str(), f);
    std::fclose(f);
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp);
  }

 private:
  std::string path_, rows_;
};

}  // namespace trainsim::kernels
