// A sweep's pictures: a figure (cost, days) against the values of one varied key, one line per combination of
// the other keys; and each point's step as stacked bars (compute, bubble, exposed communication, the rest).
// Points that cannot run are left out of both and named under the picture.
#pragma once
#include <string>

#include "sim/cost/sweep.h"

namespace trainsim::reports {

enum class SweepFigure { kCostUsd, kDays };

// The axis' values as categories along x, in the order given; y from 0 to the largest value.
std::string sweep_axis_svg(const sim::Sweep& sweep, std::size_t axis, SweepFigure figure);
std::string sweep_breakdown_svg(const sim::Sweep& sweep);

}  // namespace trainsim::reports
