// Hand-written JSON for op_timing_json.h: seconds with 9 significant digits, trace times as exact decimal
// microseconds from integer nanoseconds (so ts + dur of one op never passes the next op's ts).
#include "kernels/model/op_timing_json.h"

#include <cinttypes>
#include <cstdio>
#include <stdexcept>

namespace trainsim::kernels::model {

namespace {

std::string seconds_text(int64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", double(ns) * 1e-9);
  return buf;
}

std::string microseconds_text(int64_t ns) {  // ns >= 0
  char buf[40];
  std::snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
  return buf;
}

constexpr int kOptimizerIndex = static_cast<int>(OpKind::kOptimizer);

// `text` as a JSON string: quotes and backslashes escaped, control characters as \u00XX.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string op_timings_json(const TimingsRun& run, const std::vector<StepTiming>& steps,
                            const std::vector<std::vector<std::vector<std::int64_t>>>& expert_rows) {
  if (!expert_rows.empty() && expert_rows.size() != steps.size())
    throw std::invalid_argument("op_timings_json: expert rows for " + std::to_string(expert_rows.size()) + " of " +
                                std::to_string(steps.size()) + " steps");
  std::string out = "{\"clock\": \"steady_clock, CPU, one thread of ops; device times by the device's own clock\",\n"
                    " \"run\": {\"config\": " + json_string(run.config) + ", \"precision\": " +
                    json_string(run.precision) + ", \"backend\": " + json_string(run.backend) +
                    ", \"sequences\": " + std::to_string(run.sequences) + ", \"length\": " +
                    std::to_string(run.length) + ", \"launches_held\": " + (run.launches_held ? "true" : "false") +
                    ", \"memory_bound_on_device\": " + (run.memory_bound_on_device ? "true" : "false") +
                    ", \"embedding_and_loss_on_device\": " + (run.embedding_and_loss_on_device ? "true" : "false") +
                    ", \"optimizer_on_device\": " + (run.optimizer_on_device ? "true" : "false") +
                    ", \"routing_on_device\": " + (run.routing_on_device ? "true" : "false") +
                    "},\n \"steps\": [";
  for (size_t s = 0; s < steps.size(); ++s) {
    const StepTiming& t = steps[s];
    int64_t compute_ns = 0;
    std::string kinds, flops, device;
    for (int k = 0; k < kOpKindCount; ++k) {
      const std::string key = "\"" + std::string(op_kind_name(static_cast<OpKind>(k))) + "\": ";
      device += (k == 0 ? "" : ", ") + key + seconds_text(t.kind_device_ns[k]);
      if (k == kOptimizerIndex) continue;
      compute_ns += t.kind_ns[k];
      if (!kinds.empty()) {
        kinds += ", ";
        flops += ", ";
      }
      kinds += key + seconds_text(t.kind_ns[k]);
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", t.kind_flops[k]);  // whole numbers below 2^53: exact
      flops += key + buf;
    }
    const int64_t optimizer_ns = t.kind_ns[kOptimizerIndex];
    out += s == 0 ? "\n  " : ",\n  ";
    out += "{\"step\": " + std::to_string(s) + ", \"wall_s\": " + seconds_text(t.wall_ns) +
           ", \"compute_s\": " + seconds_text(compute_ns) + ", \"optimizer_s\": " + seconds_text(optimizer_ns) +
           ", \"untimed_s\": " + seconds_text(t.wall_ns - compute_ns - optimizer_ns) +
           ",\n   \"compute_by_op_kind_s\": {" + kinds + "},\n   \"flops_by_op_kind\": {" + flops +
           "},\n   \"device_by_op_kind_s\": {" + device + "}, \"device_weight_casts_s\": " +
           seconds_text(t.weight_cast_device_ns) + ", \"device_untimed_s\": " + seconds_text(t.untimed_device_ns) +
           ", \"device_calls_past_hold\": " + std::to_string(t.device_calls_past_hold);
    if (!expert_rows.empty()) {
      out += ",\n   \"expert_rows\": [";
      for (size_t b = 0; b < expert_rows[s].size(); ++b) {
        out += b == 0 ? "[" : ", [";
        for (size_t e = 0; e < expert_rows[s][b].size(); ++e)
          out += (e == 0 ? "" : ", ") + std::to_string(expert_rows[s][b][e]);
        out += "]";
      }
      out += "]";
    }
    out += "}";
  }
  out += "\n]}\n";
  return out;
}

std::string op_trace_json(const StepTiming& step, int step_index) {
  std::string out = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  out += "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 0, \"tid\": 0, \"args\": {\"name\": "
         "\"reduced DeepSeek-V3, CPU, training step " +
         std::to_string(step_index) + "\"}},\n";
  out += "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 0, \"tid\": 0, \"args\": {\"name\": \"ops\"}}";
  for (const TimedOp& op : step.ops) {
    out += ",\n{\"name\": \"" + std::string(op.name) + "\", \"cat\": \"" + std::string(op_kind_name(op.kind)) +
           "\", \"ph\": \"X\", \"pid\": 0, \"tid\": 0, \"ts\": " + microseconds_text(op.start_ns) +
           ", \"dur\": " + microseconds_text(op.duration_ns) + ", \"args\": {\"layer\": " + std::to_string(op.layer) +
           ", \"pass\": \"" + std::string(pass_name(op.pass)) + "\"" +
           (op.device_ns > 0 ? ", \"device_us\": " + microseconds_text(op.device_ns) : std::string()) +
           (op.activation_cast_device_ns > 0
                ? ", \"activation_casts_us\": " + microseconds_text(op.activation_cast_device_ns)
                : std::string()) +
           (op.weight_cast_device_ns > 0 ? ", \"weight_casts_us\": " + microseconds_text(op.weight_cast_device_ns)
                                         : std::string()) +
           "}}";
  }
  out += "\n]}\n";
  return out;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error(tmp + ": cannot open for writing");
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    throw std::runtime_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename " + tmp + " over it");
  }
}

}  // namespace trainsim::kernels::model
