// Streaming overlap checker for Chrome traces (trace_overlaps.h), on nlohmann::json's SAX interface.
#include "trace_overlaps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

namespace trainsim::testing {
namespace {

struct Slice {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::string name;
};

// Collects the X events of "traceEvents": depth 1 is the root object, 2 the array, 3 an event, deeper its args.
class SliceCollector : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::map<std::pair<long long, long long>, std::vector<Slice>> threads;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return number(v); }
  bool string(string_t& v) override {
    if (depth_ == 3 && key_ == "ph") phase_ = v;
    if (depth_ == 3 && key_ == "name") name_ = v;
    return true;
  }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    ++depth_;
    if (depth_ == 3) event_ = {};
    if (depth_ == 3) phase_.clear(), name_.clear();
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) in_events_ = k == "traceEvents";
    key_ = k;
    return true;
  }
  bool end_object() override {
    if (depth_ == 3 && in_events_ && phase_ == "X") {
      const std::int64_t start_ns = std::llround(event_.ts_us * 1e3);
      threads[{event_.pid, event_.tid}].push_back({start_ns, start_ns + std::llround(event_.dur_us * 1e3), name_});
    }
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    error = fmt::format("not JSON at byte {}: {}", position, e.what());
    return false;
  }
  std::string error;

 private:
  bool number(double v) {
    if (depth_ != 3) return true;
    if (key_ == "ts") event_.ts_us = v;
    if (key_ == "dur") event_.dur_us = v;
    if (key_ == "pid") event_.pid = static_cast<long long>(v);
    if (key_ == "tid") event_.tid = static_cast<long long>(v);
    return true;
  }
  struct Event {
    double ts_us = 0, dur_us = 0;
    long long pid = 0, tid = 0;
  } event_;
  int depth_ = 0;
  bool in_events_ = false;
  std::string key_, phase_, name_;
};

}  // namespace

TraceCheck check_trace_overlaps(const std::string& trace_json) {
  SliceCollector collector;
  TraceCheck check;
  if (!nlohmann::json::sax_parse(trace_json, &collector)) {
    check.error = collector.error.empty() ? "not a JSON trace" : collector.error;
    return check;
  }
  for (auto& [thread, slices] : collector.threads) {
    std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) { return a.start_ns < b.start_ns; });
    const Slice* open = nullptr;  // the slice with the latest end so far
    for (const Slice& s : slices) {
      ++check.slices;
      if (open && s.start_ns < open->end_ns && s.end_ns > s.start_ns) {
        ++check.overlap_count;
        if (check.overlaps.size() < 10)
          check.overlaps.push_back({thread.first, thread.second, open->name, s.name, open->end_ns, s.start_ns});
      }
      if (!open || s.end_ns > open->end_ns) open = &s;
    }
  }
  return check;
}

std::string describe(const TraceCheck& check) {
  if (!check.error.empty()) return check.error;
  std::string text = fmt::format("{} of {} slices overlap an earlier slice of their thread", check.overlap_count, check.slices);
  for (const TraceOverlap& o : check.overlaps)
    text += fmt::format("\n  pid {} tid {}: '{}' starts at {} ns, before '{}' ends at {} ns", o.pid, o.tid, o.later,
                        o.later_start_ns, o.earlier, o.earlier_end_ns);
  return text;
}

}  // namespace trainsim::testing
