// Colours of the schedule pictures: a micro-batch's hue (golden-angle steps so neighbours differ), shaded by
// phase, and the phase stripe colours of the DualPipe README figure (orange forward, green backward, blue W).
#pragma once
#include <cstddef>
#include <string>

#include "sim/schedules/schedule_op.h"

namespace trainsim::reports {

// "#rrggbb" for a hue in degrees, saturation and lightness in [0, 1].
std::string hsl_hex(double hue_deg, double saturation, double lightness);

// The fill of a cell of micro-batch number `colour_index` in `phase`.
std::string chunk_fill(int colour_index, sim::Phase phase);
// Whether text on chunk_fill(.., phase) should be white.
bool dark_fill(sim::Phase phase);
// The colour of the i-th series of a chart: the ten of matplotlib's "tab10" cycle, then again.
const char* series_colour(std::size_t i);

// The stripe colour that names the phase (F&B uses F's and B's on its two halves).
std::string phase_colour(sim::Phase phase);

}  // namespace trainsim::reports
