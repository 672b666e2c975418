// The last guard before a report: every figure of a run is a finite number. The scenario's value ranges
// (core/input_ranges.h) keep it so; a figure that is inf or NaN is a bug, reported as one internal error
// that names the figure, never printed as "inf" or "-nan".
#pragma once
#include "sim/cost/run_estimate.h"
#include "sim/step/step_estimate.h"

namespace trainsim::sim {

// Throws trainsim::Error ("internal check failed ...: run.gpu_hours is inf") at the first figure that is not finite.
void check_figures_finite(const Estimate& estimate, const RunEstimate& run);

}  // namespace trainsim::sim
