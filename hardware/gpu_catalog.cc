// Catalog loading through the same schema-checked reader as scenarios, so its numbers carry human units.
#include "hardware/gpu_catalog.h"
#include "hardware/host_device.h"

#include <algorithm>

#include "core/did_you_mean.h"
#include "core/embedded_file.h"
#include "core/input_ranges.h"
#include "hardware/gpu_power.h"

namespace trainsim {
std::span<const EmbeddedFile> gpu_catalog_files();  // generated
}

namespace trainsim::hw {

const std::vector<std::string>& gpu_field_names() {
  static const std::vector<std::string> names{"name",          "source",           "fp8_peak",     "bf16_peak",
                                              "tf32_peak",     "fp32_peak",        "hbm_capacity", "hbm_bandwidth",
                                              "sm_count",      "nvlink_bandwidth", "nic_bandwidth", "power",
                                              "price_per_gpu_hour", "boost_clock", "mxfp8"};
  return names;
}

void read_gpu_fields(const ConfigNode& node, GpuSpec& spec, const std::vector<std::string>& extra_keys) {
  std::vector<std::string> allowed = gpu_field_names();
  allowed.insert(allowed.end(), extra_keys.begin(), extra_keys.end());
  node.allow_only(allowed);
  spec.name = node.string_or("name", spec.name);
  spec.source = node.string_or("source", spec.source);
  spec.fp8_peak_flops_per_s = node.quantity_or("fp8_peak", ranges::kFp8Peak, spec.fp8_peak_flops_per_s);
  spec.mxfp8 = node.bool_or("mxfp8", spec.mxfp8);
  spec.bf16_peak_flops_per_s = node.quantity_or("bf16_peak", ranges::kTensorPeak, spec.bf16_peak_flops_per_s);
  spec.tf32_peak_flops_per_s = node.quantity_or("tf32_peak", ranges::kTensorPeak, spec.tf32_peak_flops_per_s);
  spec.fp32_peak_flops_per_s = node.quantity_or("fp32_peak", ranges::kTensorPeak, spec.fp32_peak_flops_per_s);
  spec.hbm_capacity_bytes = node.quantity_or("hbm_capacity", ranges::kHbmCapacity, spec.hbm_capacity_bytes);
  spec.hbm_bandwidth_bytes_per_s = node.quantity_or("hbm_bandwidth", ranges::kBandwidth, spec.hbm_bandwidth_bytes_per_s);
  spec.sm_count = static_cast<int>(node.integer_or("sm_count", ranges::kSmCount, spec.sm_count));
  spec.boost_clock_hz = node.quantity_or("boost_clock", ranges::kBoostClock, spec.boost_clock_hz);
  spec.nvlink_bandwidth_bytes_per_s = node.quantity_or("nvlink_bandwidth", ranges::kBandwidth, spec.nvlink_bandwidth_bytes_per_s);
  spec.nic_bandwidth_bytes_per_s = node.quantity_or("nic_bandwidth", ranges::kBandwidth, spec.nic_bandwidth_bytes_per_s);
  spec.power_w = node.quantity_or("power", ranges::kBoardPower, spec.power_w);
  spec.price_usd_per_s = node.quantity_or("price_per_gpu_hour", ranges::kPricePerGpuHour, spec.price_usd_per_s);
  for (auto [value, field] : {std::pair{spec.bf16_peak_flops_per_s, "bf16_peak"},
                              {spec.hbm_capacity_bytes, "hbm_capacity"},
                              {spec.hbm_bandwidth_bytes_per_s, "hbm_bandwidth"},
                              {spec.fp32_peak_flops_per_s, "fp32_peak"}}) {
    if (value <= 0) node.fail(std::string(field) + " must be positive", "a positive value");
  }
}

std::vector<GpuSpec> gpu_catalog() {
  static const std::vector<GpuSpec> catalog = [] {
    std::vector<GpuSpec> out;
    for (const EmbeddedFile& file : gpu_catalog_files()) {
      const ConfigNode root = ConfigNode::parse(std::string(file.text), "hardware/" + std::string(file.name));
      for (const std::string& key : root.keys()) {
        GpuSpec spec;
        spec.key = key;
        read_gpu_fields(root.require(key), spec, gpu_power_field_names());  // those: hardware/gpu_power.h
        out.push_back(std::move(spec));
      }
    }
    return out;
  }();
  return catalog;
}

std::vector<std::string> gpu_keys() {
  std::vector<std::string> keys;
  for (const GpuSpec& spec : gpu_catalog()) keys.push_back(spec.key);
  return keys;
}

GpuSpec find_gpu(const std::string& key, const SourceLocation& where) {
  for (const GpuSpec& spec : gpu_catalog())
    if (spec.key == key) return spec;
  if (key == kHostGpuKey) return host_device();
  std::vector<std::string> keys = gpu_keys();
  keys.push_back(kHostGpuKey);
  std::string known;
  for (const std::string& k : keys) known += (known.empty() ? "" : ", ") + k;
  throw ConfigError(where, "unknown GPU type '" + key + "'", "one of " + known, did_you_mean(key, keys));
}

}  // namespace trainsim::hw
