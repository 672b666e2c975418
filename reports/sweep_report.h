// A sweep's outputs: CSV (one row per point: the varied values, every key figure, the reason a point cannot
// run), JSON, and a Markdown table with the best point per objective and the Pareto front of cost vs days.
#pragma once
#include <string>
#include <vector>

#include "sim/cost/sweep.h"

namespace trainsim::reports {

std::string sweep_csv(const sim::Sweep& sweep);
std::string sweep_json(const sim::Sweep& sweep);
std::string sweep_markdown(const sim::Sweep& sweep, const std::string& command_line);

// The Sweep a sweep.json holds (what sweep_json wrote), for `trainsim merge`; throws ConfigError naming `file`
// for text that is not one.
sim::Sweep read_sweep_json(const std::string& text, const std::string& file);

// Why a point cannot run, on one line (the first line of its reason): what every sweep output shows.
std::string refusal_line(const sim::SweepPoint& point);

// Indices of the points no other point beats on both cost and days (ties kept), in order of cost.
std::vector<size_t> cost_days_pareto_front(const sim::Sweep& sweep);

}  // namespace trainsim::reports
