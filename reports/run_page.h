// The report page of one run (`trainsim run --report DIR`): what the terminal summary says, with the reasons a
// reader needs to judge it (the step's breakdown and what bounds it, memory per GPU, the pipeline timeline,
// routing imbalance where it is modelled, cost per phase, failures, and the assumptions: what priced each op
// kind, the roofline efficiencies, the fidelity's approximations), as one ReportPage (report_page.h).
#pragma once
#include <memory>
#include <string>

#include "models/routed_load.h"
#include "reports/report_page.h"
#include "reports/run_report.h"

namespace trainsim::reports {

struct RunPageInput {
  const RunReport& report;
  std::string command_line;  // the command that writes this page, shown at its top: how to regenerate it
  std::shared_ptr<const models::RoutedStepLoad> routed_load;  // the load the step priced; null when balanced
};

// Sections, in order, with these ids: summary, step-time, compute, memory, pipeline, routing, cost, failures,
// assumptions. Figures: step-time.svg, compute-by-kind.svg, memory.svg, pipeline-timeline.svg (where the
// schedule executes at the step's micro-batches), routing-load.svg (where routing is modelled). Deterministic:
// no date, no path but the scenario's as given.
ReportPage run_page(const RunPageInput& input);

}  // namespace trainsim::reports
