// The host side of a device back-end's calls (memory_bound_on_device.cuh, routing_and_optimizer_on_device.cuh): host
// FP64 tensors stored on the device as the run keeps them and read back as FP64, for a device memory type Buffer<T>
// (kernels/common/device_buffer.cuh's interface: from a host vector or a count, get(), download(); in CI a host vector
// poisoned as device memory is, tests/kernels/model/emulated_memory_bound_backend.h).
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#ifndef TRAINSIM_HOST_EMULATION
#include <cuda_bf16.h>
#endif

#include "kernels/mla/bf16_host.h"
#include "kernels/model/linear_gemm.h"

namespace trainsim::kernels::model {

template <template <class> class Buffer>
struct DeviceTransfers {
  // Host FP64 values stored as T (BF16: float first, then nearest even, as the CPU back-end rounds) and back.
  template <class T>
  static T stored_as(double x) {
    if constexpr (std::is_same_v<T, __nv_bfloat16>)
      return __float2bfloat16(float(x));
    else
      return T(x);
  }
  template <class T>
  static double read_as_double(T x) {
    if constexpr (std::is_same_v<T, __nv_bfloat16>)
      return double(__bfloat162float(x));
    else
      return double(x);
  }
  static void copy_into(const std::vector<double>& from, std::span<double> to) {
    if (from.size() != to.size()) throw std::logic_error("a device result's size differs from its tensor's");
    std::copy(from.begin(), from.end(), to.begin());
  }
  // f(T{}) with T the storage of the memory-bound ops at `precision`: what a GPU run keeps its activations in, BF16
  // where the GEMMs run at BF16 or FP8; FP64 at FP64, so that a device run can be held to the references to
  // rounding.
  template <class F>
  static auto on_storage(GemmPrecision precision, F&& f) {
    if (precision == GemmPrecision::kFP64) return f(double{});
    return f(__nv_bfloat16{});
  }
  static std::vector<__nv_bfloat16> bf16_of_bits(const std::vector<uint16_t>& bits) {
    std::vector<__nv_bfloat16> out(bits.size());
    for (size_t i = 0; i < bits.size(); ++i) out[i] = __float2bfloat16(bf16_bits_to_float(bits[i]));  // exact
    return out;
  }
  static std::vector<uint16_t> bits_of_bf16(const std::vector<__nv_bfloat16>& values) {
    std::vector<uint16_t> out(values.size());
    for (size_t i = 0; i < values.size(); ++i) out[i] = float_to_bf16_bits(__bfloat162float(values[i]));  // exact
    return out;
  }
  // Whether every id lies in [0, size); with `or_none`, ids below 0 pass too (a loss's rows without a target).
  static bool all_below(std::span<const int> ids, size_t size, bool or_none = false) {
    return std::all_of(ids.begin(), ids.end(), [&](int id) { return id < 0 ? or_none : size_t(id) < size; });
  }
  template <class T>
  static Buffer<T> upload_as(std::span<const double> x) {
    std::vector<T> host(x.size());
    for (size_t i = 0; i < x.size(); ++i) host[i] = stored_as<T>(x[i]);
    return Buffer<T>(host);
  }
  template <class T>
  static std::vector<double> read_back(const Buffer<T>& x) {
    const std::vector<T> host = x.download();
    std::vector<double> out(host.size());
    for (size_t i = 0; i < host.size(); ++i) out[i] = read_as_double(host[i]);
    return out;
  }
};

}  // namespace trainsim::kernels::model
