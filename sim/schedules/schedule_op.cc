// Text notation of schedule ops (tests/sim/schedules/data/dualpipe-p8-n20.txt): phase, micro-batch, lane letter.
#include "sim/schedules/schedule_op.h"

#include <cctype>

#include "core/error.h"

namespace trainsim::sim {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kForward: return "F";
    case Phase::kBackward: return "B";
    case Phase::kBackwardInput: return "Bi";
    case Phase::kWeight: return "W";
    case Phase::kForwardBackward: return "F&B";
  }
  return "?";
}

namespace {

std::string format_chunk(const ChunkRef& chunk, int lanes) {
  std::string text = std::to_string(chunk.microbatch);
  if (lanes > 1) text += static_cast<char>('a' + chunk.lane);
  return text;
}

// Parses "<digits>[lane letter]" at the front of `text`, advancing it.
ChunkRef parse_chunk(std::string_view& text, int lanes, std::string_view whole) {
  ChunkRef chunk;
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) throw Error(fmt::format("schedule op '{}': expected a micro-batch number", whole));
  chunk.microbatch = std::stoi(std::string(text.substr(0, digits)));
  text.remove_prefix(digits);
  if (lanes > 1) {
    if (text.empty() || text[0] < 'a' || text[0] >= 'a' + lanes)
      throw Error(fmt::format("schedule op '{}': expected a lane letter a..{}", whole,
                              static_cast<char>('a' + lanes - 1)));
    chunk.lane = text[0] - 'a';
    text.remove_prefix(1);
  }
  return chunk;
}

}  // namespace

std::string format_op(const ScheduleOp& op, int lanes) {
  switch (op.phase) {
    case Phase::kForwardBackward:
      return "F" + format_chunk(op.chunk, lanes) + "&B" + format_chunk(op.backward, lanes);
    default: return std::string(phase_name(op.phase)) + format_chunk(op.chunk, lanes);
  }
}

ScheduleOp parse_op(std::string_view text, int lanes) {
  const std::string_view whole = text;
  ScheduleOp op;
  if (text.starts_with("Bi")) {
    op.phase = Phase::kBackwardInput;
    text.remove_prefix(2);
  } else if (!text.empty() && (text[0] == 'F' || text[0] == 'B' || text[0] == 'W')) {
    op.phase = text[0] == 'F' ? Phase::kForward : text[0] == 'B' ? Phase::kBackward : Phase::kWeight;
    text.remove_prefix(1);
  } else {
    throw Error(fmt::format("schedule op '{}': expected F, B, Bi, W or F..&B..", whole));
  }
  op.chunk = parse_chunk(text, lanes, whole);
  if (op.phase == Phase::kForward && text.starts_with("&B")) {
    text.remove_prefix(2);
    op.phase = Phase::kForwardBackward;
    op.backward = parse_chunk(text, lanes, whole);
  }
  if (!text.empty()) throw Error(fmt::format("schedule op '{}': unexpected '{}'", whole, text));
  return op;
}

}  // namespace trainsim::sim
