// Reading a user's input file (scenario, calibration, HuggingFace config) with a size limit checked before
// anything is parsed: a 10 MB YAML list took 15 s and 3.9 GB of yaml-cpp nodes before its error.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace trainsim {

// A scenario is a few KB (the shipped ones are 1-3 KB): 1 MiB is hundreds of times that.
inline constexpr std::uintmax_t kScenarioFileMaxBytes = 1u << 20;
// The largest shipped calibration (hardware/calibration/h800-trace.yaml) is 43 KB: about 12x that.
inline constexpr std::uintmax_t kCalibrationFileMaxBytes = 512u << 10;
// A HuggingFace config.json is 0.5-5 KB (models/presets); some carry label maps of tens of KB: 1 MiB.
inline constexpr std::uintmax_t kHfConfigFileMaxBytes = 1u << 20;

// The file's text, or nullopt where it cannot be opened or is a directory (the caller says so in its own
// words). Throws ConfigError at `where` naming the file, its size and the limit when it holds more than
// `max_bytes`; a pipe or device is read no further than the limit.
std::optional<std::string> read_input_file(const std::string& path, std::string_view what, std::uintmax_t max_bytes,
                                           const SourceLocation& where);

// The same bound on a stream (standard input): read no further than `max_bytes` + 1; `name` is how the
// message names it ("standard input").
std::string read_input_stream(std::istream& in, const std::string& name, std::string_view what,
                              std::uintmax_t max_bytes, const SourceLocation& where);

}  // namespace trainsim
