// The drivers' CSV (calibration_times.h).
#include "kernels/calibration/calibration_times.h"

#include <stdexcept>
#include <string>

namespace trainsim::kernels {

CalibrationTimes::CalibrationTimes(const std::string& path, const std::string& device_name, int sm_count,
                                   const std::string& runtime)
    : out_(std::fopen(path.c_str(), "w")) {
  if (out_ == nullptr) throw std::runtime_error("cannot write " + path);
  std::fprintf(out_, "# device: name=%s; sm_count=%d; cuda=%s\nid,seconds,sms,kernel,kernel_calls\n", device_name.c_str(), sm_count,
               runtime.c_str());
  std::fflush(out_);
}

CalibrationTimes::~CalibrationTimes() { std::fclose(out_); }

namespace {

// A CSV field as Python's csv module reads it back: quoted, its quotes doubled, where it holds a comma or a quote
// (a kernel's name can: "cuBLASLt FP8 per-tensor scales (block scaling refused: ...)").
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return quoted + "\"";
}

}  // namespace

void CalibrationTimes::add(const std::string& id, double seconds, int sms, const std::string& kernel,
                           int kernel_calls) {
  if (kernel_calls < 1) throw std::invalid_argument("CalibrationTimes::add: a call runs at least one kernel");
  std::fprintf(out_, "%s,%.9g,%d,%s,%d\n", id.c_str(), seconds, sms, csv_field(kernel).c_str(), kernel_calls);
  std::fflush(out_);
}

}  // namespace trainsim::kernels
