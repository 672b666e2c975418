// The calibration files the calibration tests share (calibration_test.cc, calibration_choice_test.cc).
#pragma once
#include "hardware/calibration.h"
#include "hardware/gpu_catalog.h"

namespace trainsim::hw {

// Line numbers matter to the tests. The GEMM point is DeepGEMM's published M=4096 N=2112 K=7168 at 1127 TFLOPS.
inline const char* kValid =
    "format: 1\n"                                                                                // 1
    "device:\n"                                                                                  // 2
    "  gpu: h800\n"                                                                              // 3
    "  name: NVIDIA H800 SXM5\n"                                                                 // 4
    "  sm_count: 132\n"                                                                          // 5
    "  boost_clock: 1.98 GHz\n"                                                                  // 6
    "  driver: unknown\n"                                                                        // 7
    "  cuda: \"12.8\"\n"                                                                         // 8
    "source:\n"                                                                                  // 9
    "  kind: published\n"                                                                        // 10
    "  description: DeepGEMM README\n"                                                           // 11
    "  date: 2025-04-09\n"                                                                       // 12
    "points:\n"                                                                                  // 13
    "  - op: gemm\n"                                                                             // 14
    "    dtype: fp8\n"                                                                           // 15
    "    shape: {m: 4096, n: 2112, k: 7168}\n"                                                   // 16
    "    time: 110.04 us\n"                                                                      // 17
    "    achieved: 1127 TFLOPS\n"                                                                // 18
    "  - op: attention\n"                                                                        // 19
    "    dtype: bf16\n"                                                                          // 20
    "    pass: Bi\n"                                                                             // 21
    "    shape: {batch: 1, heads: 128, seq_q: 4096, seq_kv: 4096, head_dim: 192, value_dim: 128}\n"  // 22
    "    time: 2.5 ms\n"                                                                         // 23
    "    sms: 112\n"                                                                             // 24
    "fits:\n"                                                                                    // 25
    "  fp8_gemm:\n"                                                                              // 26
    "    model: tile-wave\n"                                                                     // 27
    "    parameters: {launch_s: 4.0e-6, efficiency: 0.8}\n"                                      // 28
    "    residuals: {points: 1, rms_relative: 0.02, max_relative: 0.03}\n";                      // 29

// A calibration of the host (law: points) as `trainsim validate --calibration-out` writes one: one norm point
// with its catalog op, the optimizer step, and this machine's CPU as the device.
inline Calibration host_points_calibration() {
  const GpuSpec host = find_gpu("host");
  Calibration c;
  c.file = "host.yaml";
  c.law = CalibrationLaw::kPoints;
  c.device = {"host", host.name, host.sm_count, host.boost_clock_hz, "none", "none", {}, {}, {}};
  c.source.kind = CalibrationSourceKind::kKernels;
  c.source.description = "the host";
  c.source.date = "2026-12-03";
  MeasuredPoint p;
  p.op = models::OpKind::kNorm;
  p.dtype = models::Dtype::kBf16;
  p.pass = models::Pass::kForward;
  p.shape = {{"bytes", 65536}};
  p.seconds = 1.625e-5;
  p.sm_count = host.sm_count;
  p.catalog_op = "attn.norm";
  c.points.push_back(p);
  c.optimizer = MeasuredPass{27303584, 9.5e-3};
  c.gradient_zeroing = MeasuredPass{4963944, 1.1e-3};
  return c;
}

}  // namespace trainsim::hw
