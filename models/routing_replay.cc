// A strict CSV reader: four integer fields per row, each error located at its line and column.
#include "models/routing_replay.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "core/error.h"
#include "core/read_file.h"

namespace trainsim::models {
namespace {

constexpr const char* kFields[] = {"step", "layer", "expert", "tokens"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Field {
  std::string_view text;
  int column = 0;  // 1-based
};

std::vector<Field> split(std::string_view line) {
  std::vector<Field> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    const std::string_view raw = line.substr(start, comma == std::string_view::npos ? line.npos : comma - start);
    fields.push_back({trim(raw), static_cast<int>(start) + 1});
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

}  // namespace

const std::vector<int64_t>& RoutingReplay::at(int layer, int64_t step) const {
  TS_CHECK(!steps.empty() && step >= 0);
  const int64_t listed = steps[static_cast<size_t>(step % static_cast<int64_t>(steps.size()))];
  const auto it = counts.find({listed, layer});
  TS_CHECK(it != counts.end(), "{}: no counts for layer {} at step {}", file, layer, listed);
  return it->second;
}

RoutingReplay parse_routing_replay(const std::string& text, const std::string& file, int num_experts,
                                   std::span<const int> moe_layers) {
  RoutingReplay replay{file, num_experts, {}, {}};
  const std::set<int> layers(moe_layers.begin(), moe_layers.end());
  std::set<std::tuple<int64_t, int, int64_t>> seen;
  auto fail = [&](int line, int column, const std::string& key, const std::string& problem,
                  const std::string& expected, const std::string& hint = {}) {
    throw ConfigError({file, line, column, key}, problem, expected, hint);
  };
  bool header = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::vector<Field> fields = split(line);
    if (!header) {
      const bool ok = fields.size() == 4 && std::equal(fields.begin(), fields.end(), std::begin(kFields),
                                                         [](const Field& f, const char* name) { return f.text == name; });
      if (!ok) fail(line_no, 1, "header", fmt::format("header '{}'", line), "step,layer,expert,tokens");
      header = true;
      continue;
    }
    if (fields.size() != 4)
      fail(line_no, 1, "row", fmt::format("{} fields", fields.size()), "4 fields: step,layer,expert,tokens");
    int64_t v[4];
    for (int i = 0; i < 4; ++i) {
      const Field& f = fields[size_t(i)];
      const auto [ptr, ec] = std::from_chars(f.text.data(), f.text.data() + f.text.size(), v[i]);
      if (ec != std::errc() || ptr != f.text.data() + f.text.size() || f.text.empty())
        fail(line_no, f.column, kFields[i], fmt::format("'{}' is not an integer", f.text), "a whole number");
      if (v[i] < 0) fail(line_no, f.column, kFields[i], fmt::format("{} is negative", v[i]), "0 or more");
    }
    if (!layers.count(static_cast<int>(v[1])) || v[1] > 1'000'000)
      fail(line_no, fields[1].column, "layer", fmt::format("layer {} is not an MoE layer of the model", v[1]),
           "a model layer index (0-based, dense layers counted) of an MoE layer");
    if (v[2] >= num_experts)
      fail(line_no, fields[2].column, "expert", fmt::format("expert {} out of range", v[2]),
           fmt::format("0 .. {} (the model's routed experts)", num_experts - 1));
    if (!seen.insert({v[0], static_cast<int>(v[1]), v[2]}).second)
      fail(line_no, fields[2].column, "expert",
           fmt::format("step {} layer {} expert {} listed twice", v[0], v[1], v[2]), "one row per (step, layer, expert)");
    auto& counts = replay.counts[{v[0], static_cast<int>(v[1])}];
    counts.resize(static_cast<size_t>(num_experts), 0);
    counts[static_cast<size_t>(v[2])] = v[3];
  }
  if (!header) fail(line_no, 1, "header", "no header", "step,layer,expert,tokens");
  std::set<int64_t> steps;
  for (const auto& [key, counts] : replay.counts) steps.insert(key.first);
  if (steps.empty()) fail(line_no, 1, "row", "no rows", "at least one row per MoE layer");
  for (int64_t step : steps)
    for (int layer : layers)
      if (!replay.counts.count({step, layer}))
        fail(line_no, 1, "layer", fmt::format("step {} lists no row for MoE layer {}", step, layer),
             "every listed step to list every MoE layer");
  replay.steps.assign(steps.begin(), steps.end());
  return replay;
}

RoutingReplay load_routing_replay(const std::string& path, int num_experts, std::span<const int> moe_layers) {
  return parse_routing_replay(read_file(path), path, num_experts, moe_layers);
}

}  // namespace trainsim::models
