// The command line the check and benchmark drivers share: `--quick` (a short list of shapes and repetitions,
// for a GPU call with little time: kernels/gpu-run.sh) and positional output paths. Header-only, no CUDA.
#pragma once

#include <cstddef>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels {

struct DriverArgs {
  bool quick = false;
  std::vector<std::string> positional;
  std::vector<std::string> flags;  // the driver's own flags given (parse_driver_args's `own_flags`)

  bool has(const std::string& flag) const {
    for (const std::string& f : flags)
      if (f == flag) return true;
    return false;
  }

  // The i-th positional argument, or `fallback` where there are fewer.
  std::string at(std::size_t i, const std::string& fallback) const {
    return i < positional.size() ? positional[i] : fallback;
  }
};

// Throws std::invalid_argument on a flag other than --quick and the driver's `own_flags`, so a typo is not silently
// a full run.
inline DriverArgs parse_driver_args(int argc, char** argv, const std::vector<std::string>& own_flags = {}) {
  DriverArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool own = false;
    for (const std::string& f : own_flags) own = own || arg == f;
    if (arg == "--quick") {
      args.quick = true;
    } else if (own) {
      args.flags.push_back(arg);
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::string known = "--quick";
      for (const std::string& f : own_flags) known += ", " + f;
      throw std::invalid_argument("unknown option " + arg + " (the options are " + known + ")");
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

// A driver's main(): `run` on the parsed command line; an exception becomes one line, "NAME: error: what", exit 1.
template <typename Run>
int driver_main(int argc, char** argv, const char* name, Run&& run, const std::vector<std::string>& own_flags = {}) {
  try {
    return run(parse_driver_args(argc, argv, own_flags));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace trainsim::kernels
