// Parsing a flattened calibration plan, and the memory-bound kernels' shapes (calibration_call.h).
#include "kernels/calibration/calibration_call.h"

#include <istream>
#include <sstream>
#include <stdexcept>

namespace trainsim::kernels {
namespace {

std::invalid_argument bad(int line_number, const std::string& what) {
  return std::invalid_argument("calls line " + std::to_string(line_number) + ": " + what);
}

std::int64_t* shape_field(CalibrationCall& c, const std::string& key) {
  if (key == "m") return &c.m;
  if (key == "n") return &c.n;
  if (key == "k") return &c.k;
  if (key == "groups") return &c.groups;
  if (key == "batch") return &c.batch;
  if (key == "heads") return &c.heads;
  if (key == "seq_q") return &c.seq_q;
  if (key == "seq_kv") return &c.seq_kv;
  if (key == "head_dim") return &c.head_dim;
  if (key == "value_dim") return &c.value_dim;
  if (key == "bytes") return &c.bytes;
  return nullptr;
}

std::int64_t positive_integer(const std::string& text, int line_number, const std::string& field) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value <= 0)
    throw bad(line_number, field + " is '" + text + "' (expected a whole number above zero)");
  return value;
}

}  // namespace

int shape_int(std::int64_t size, const char* what) {
  if (size <= 0 || size > (1LL << 31) - 1)
    throw std::invalid_argument(std::string(what) + " out of the kernels' int range");
  return static_cast<int>(size);
}

std::vector<int> equal_offsets(int count, std::int64_t size, const char* what) {
  const int run = shape_int(size, what);
  shape_int(std::int64_t(count) * run, what);
  std::vector<int> offsets(static_cast<std::size_t>(shape_int(count, "count")) + 1);
  for (int i = 0; i <= count; ++i) offsets[static_cast<std::size_t>(i)] = i * run;
  return offsets;
}

CalibrationCall parse_calibration_call(const std::string& line, int line_number) {
  std::istringstream words(line);
  CalibrationCall c;
  std::string sms;
  if (!(words >> c.id >> c.family >> c.op >> c.dtype >> c.pass >> sms))
    throw bad(line_number, "expected 'id family op dtype pass sms key=value ...'");
  c.sms = static_cast<int>(positive_integer(sms, line_number, "sms"));
  std::string pair;
  while (words >> pair) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos) throw bad(line_number, "'" + pair + "' is not key=value");
    const std::string key = pair.substr(0, eq);
    if (key == "ops") {
      std::istringstream names(pair.substr(eq + 1));
      for (std::string name; std::getline(names, name, ',');)
        if (!name.empty()) c.ops.push_back(name);
      continue;
    }
    std::int64_t* field = shape_field(c, key);
    if (!field) throw bad(line_number, "unknown shape key '" + key + "'");
    *field = positive_integer(pair.substr(eq + 1), line_number, key);
  }
  return c;
}

std::vector<CalibrationCall> read_calibration_calls(std::istream& in) {
  std::vector<CalibrationCall> calls;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number)
    if (line.find_first_not_of(" \t\r") != std::string::npos && line[0] != '#')
      calls.push_back(parse_calibration_call(line, number));
  return calls;
}

std::optional<QuantizeShape> quantize_shape(std::int64_t bytes, int cols) {
  // Per element 2 + 1 + 4/128 bytes = 97/32: whole rows of `cols` when 32 x bytes is a multiple of 97 x cols.
  const std::int64_t elements_times_97 = 32 * bytes;
  if (cols <= 0 || elements_times_97 % 97 != 0) return std::nullopt;
  const std::int64_t elements = elements_times_97 / 97;
  if (elements % cols != 0) return std::nullopt;
  return QuantizeShape{static_cast<int>(elements / cols), cols};
}

std::optional<int> router_tokens(std::int64_t bytes, int experts) {
  const std::int64_t per_token = 4LL * experts;
  if (experts <= 0 || bytes % per_token != 0) return std::nullopt;
  return static_cast<int>(bytes / per_token);
}

std::optional<int> permute_rows(std::int64_t bytes, int hidden) {
  const std::int64_t per_row = 2LL * 2 * hidden;  // BF16, read and written
  if (hidden <= 0 || bytes % per_row != 0) return std::nullopt;
  return static_cast<int>(bytes / per_row);
}

}  // namespace trainsim::kernels
