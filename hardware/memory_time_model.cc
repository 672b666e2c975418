// Bytes over achieved bandwidth plus launches (memory_time_model.h).
#include "hardware/memory_time_model.h"

#include <algorithm>
#include <utility>

namespace trainsim::hw {

MemoryConstants MemoryConstants::from_coefficients(std::span<const double> c) {
  TS_CHECK(c.size() == 2, "a memory-bound op has 2 constants, got {}", c.size());
  return MemoryConstants{c[0], c[1]};
}

MemoryConstants assumed_memory_constants() { return MemoryConstants{.hbm_time_factor = 1 / 0.8, .launch_s = 4e-6}; }

MemoryTimeModel::MemoryTimeModel(GpuSpec gpu, MemoryConstants constants)
    : gpu_(std::move(gpu)), constants_(constants) {
  TS_CHECK(constants_.hbm_time_factor >= 1, "HBM time factor {} would beat the datasheet bandwidth",
           constants_.hbm_time_factor);
  TS_CHECK(constants_.launch_s >= 0, "launch cost {} s", constants_.launch_s);
  TS_CHECK(gpu_.sm_count > 0 && gpu_.hbm_bandwidth_bytes_per_s > 0, "GPU '{}' lacks SMs or HBM bandwidth", gpu_.key);
}

LinearTimeTerms MemoryTimeModel::terms(const MemoryOpShape& shape, int sms) const {
  TS_CHECK(sms >= 1 && sms <= gpu_.sm_count, "{} SMs on a {}-SM GPU", sms, gpu_.sm_count);
  TS_CHECK(shape.bytes >= 0 && shape.flops >= 0 && shape.kernels > 0, "memory op bytes {} flops {} kernels {}",
           shape.bytes, shape.flops, shape.kernels);
  LinearTimeTerms terms;
  terms.work = {shape.bytes / gpu_.hbm_bandwidth_bytes_per_s};
  terms.launches = shape.kernels;
  terms.floor_s = gpu_.fp32_peak_flops_per_s > 0
                      ? shape.flops / (gpu_.fp32_peak_flops_per_s * sms / gpu_.sm_count)
                      : 0.0;
  return terms;
}

double MemoryTimeModel::seconds(const MemoryOpShape& shape, int sms) const {
  const double work_c[] = {constants_.hbm_time_factor};
  return terms(shape, sms).seconds(work_c, constants_.launch_s);
}

}  // namespace trainsim::hw
