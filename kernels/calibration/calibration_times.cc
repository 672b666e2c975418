// The drivers' CSV (calibration_times.h).
#include "kernels/calibration/calibration_times.h"

#include <stdexcept>

namespace trainsim::kernels {

CalibrationTimes::CalibrationTimes(const std::string& path, const std::string& device_name, int sm_count,
                                   const std::string& runtime)
    : out_(std::fopen(path.c_str(), "w")) {
  if (out_ == nullptr) throw std::runtime_error("cannot write " + path);
  std::fprintf(out_, "# device: name=%s; sm_count=%d; cuda=%s\nid,seconds,sms,kernel\n", device_name.c_str(), sm_count,
               runtime.c_str());
  std::fflush(out_);
}

CalibrationTimes::~CalibrationTimes() { std::fclose(out_); }

void CalibrationTimes::add(const std::string& id, double seconds, int sms, const std::string& kernel) {
  std::fprintf(out_, "%s,%.9g,%d,%s\n", id.c_str(), seconds, sms, kernel.c_str());
  std::fflush(out_);
}

}  // namespace trainsim::kernels
