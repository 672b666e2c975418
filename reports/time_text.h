// Times as the schedule reports print them: 4 significant digits in s, ms, us or ns, never minutes, so the
// unit-less chunk times of a what-if (F = 1, B = 2) read as small numbers of seconds; "0" for zero.
#pragma once
#include <string>

namespace trainsim::reports {

std::string time_text(double seconds);  // "78 s", "1.25 ms", "0"

}  // namespace trainsim::reports
