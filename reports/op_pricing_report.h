// How a run's op times were priced, kernel family by kernel family: the calibration file and the fit that
// priced a family (with its residuals and held-out error), or the datasheet roofline where none covered it.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "hardware/calibrated_constants.h"

namespace trainsim::reports {

// {"fp8_gemm": {"priced_by": "calibration", "calibration": FILE, "model": ..., "parameters": {...},
//  "points": n, "rms_relative": x, "max_relative": y, "held_out_points": h, "held_out_mean_abs_relative": z},
//  "attention_forward": {"priced_by": "datasheet roofline"}, ...}: every family, in KernelFamily order; with a
//  calibration of points (the host's), every family {"priced_by": "measured points", "calibration": FILE}.
nlohmann::json op_pricing_json(const hw::CalibratedConstants& calibrated);

// One line for the summary: "fp8_gemm (22 points, 2.9% rms, 3.6% held out) fitted to FILE; bf16_gemm, ...:
// datasheet roofline"; with a calibration of points, that each op is its own point.
std::string op_pricing_line(const hw::CalibratedConstants& calibrated);

// "datasheet roofline", or "calibrated shape models (FILE) and the datasheet roofline" where only some
// families are fitted, or "calibrated shape models (FILE)" where all are.
std::string op_times_priced_by(const hw::CalibratedConstants& calibrated);

}  // namespace trainsim::reports
