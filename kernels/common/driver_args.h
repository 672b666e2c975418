// The command line the check and benchmark drivers share: `--quick` (a short list of shapes and repetitions,
// for a GPU call with little time: kernels/gpu-first.sh) and positional output paths. Header-only, no CUDA.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels {

struct DriverArgs {
  bool quick = false;
  std::vector<std::string> positional;

  // The i-th positional argument, or `fallback` where there are fewer.
  std::string at(std::size_t i, const std::string& fallback) const {
    return i < positional.size() ? positional[i] : fallback;
  }
};

// Throws std::invalid_argument on a flag other than --quick, so a typo is not silently a full run.
inline DriverArgs parse_driver_args(int argc, char** argv) {
  DriverArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick")
      args.quick = true;
    else if (arg.size() > 1 && arg[0] == '-')
      throw std::invalid_argument("unknown option " + arg + " (the only option is --quick)");
    else
      args.positional.push_back(arg);
  }
  return args;
}

}  // namespace trainsim::kernels
