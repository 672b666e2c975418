// Progress on stderr while a command works: one line redrawn in place ("\r"), ended with a line break when the
// work is done. Each factory returns an empty callback when stderr is not a terminal, so logs and pipes get
// only the results.
#pragma once
#include <functional>
#include <string>

namespace trainsim::cli {

// "planning:  42%" for work measured as a fraction done, 0..1.
std::function<void(double)> fraction_progress(std::string label);

// "sweep: 3/12 points" for work counted in items.
std::function<void(int, int)> count_progress(std::string label, std::string unit);

// "predicting 3/12 deepseek-v3" for items with names: the one being worked on is shown.
std::function<void(int, int, const std::string&)> named_count_progress(std::string label);

}  // namespace trainsim::cli
