// A sweep's report page (index.html in `trainsim sweep --out DIR`): every point's figures, the best point per
// objective, the Pareto front of cost and days, and the sweep's pictures, as one ReportPage (report_page.h).
#pragma once
#include <string>

#include "reports/report_page.h"
#include "sim/cost/sweep.h"

namespace trainsim::reports {

// Sections with ids points, best, pareto, pictures. The pictures are the sweep's own (sweep_charts.h) under the
// names the sweep writes them (by-K-cost.svg, by-K-days.svg, step-breakdown.svg).
ReportPage sweep_page(const sim::Sweep& sweep, const std::string& command_line);

}  // namespace trainsim::reports
