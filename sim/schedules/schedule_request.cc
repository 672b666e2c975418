// The rules on schedule requests and the dispatch to the generators. The rules come from the reference code:
// DualPipe asserts pp even, micro-batches even and >= 2*pp; DualPipeV >= 2*(pp/2); Megatron's interleaved
// schedule wants micro-batches in whole groups of pp; ZB-H1 (as built here) fills one cool-down of pp.
#include "sim/schedules/schedule_request.h"

#include "core/error.h"
#include "sim/schedules/dualpipe_schedule.h"
#include "sim/schedules/interleaved_schedule.h"
#include "sim/schedules/linear_schedules.h"
#include "sim/schedules/schedule_validator.h"

namespace trainsim::sim {
namespace {

constexpr int kMaxPp = 1024;
constexpr int kMaxMicrobatches = 65536;
constexpr int kMaxVirtualStages = 26;  // lanes are written as letters a..z

[[noreturn]] void reject(const std::string& origin, const char* key, std::string problem, std::string expected,
                         std::string hint = {}) {
  throw ConfigError(SourceLocation{origin, 0, 0, std::string("schedule.") + key}, std::move(problem),
                    std::move(expected), std::move(hint));
}

void check_dualpipe(const ScheduleRequest& r, const std::string& origin) {
  const std::string_view name = schedule_name(r.kind);
  if (r.pp % 2 != 0)
    reject(origin, "pp", fmt::format("{} needs an even pp, got {}", name, r.pp), "an even number of stages",
           "DualPipe pairs stage s with stage pp-1-s on one device");
  if (r.kind == ScheduleKind::kDualPipe && (r.microbatches % 2 != 0 || r.microbatches < 2 * r.pp))
    reject(origin, "microbatches",
           fmt::format("dualpipe needs an even count of at least 2*pp = {} micro-batches, got {}", 2 * r.pp,
                       r.microbatches),
           fmt::format("an even number >= {}", 2 * r.pp), "half the micro-batches enter from each end");
  if (r.kind == ScheduleKind::kDualPipeV && r.microbatches < r.pp)
    reject(origin, "microbatches",
           fmt::format("dualpipev needs at least pp = {} micro-batches, got {}", r.pp, r.microbatches),
           fmt::format("a number >= {}", r.pp));
}

}  // namespace

void check_schedule_request(const ScheduleRequest& r, const std::string& origin) {
  if (r.pp < 1 || r.pp > kMaxPp)
    reject(origin, "pp", fmt::format("pp {} is out of range", r.pp), fmt::format("1 to {}", kMaxPp));
  if (r.microbatches < 1 || r.microbatches > kMaxMicrobatches)
    reject(origin, "microbatches", fmt::format("{} micro-batches is out of range", r.microbatches),
           fmt::format("1 to {}", kMaxMicrobatches));
  if (r.paired && r.kind != ScheduleKind::kOneFOneB && r.kind != ScheduleKind::kInterleaved)
    reject(origin, "paired", fmt::format("{} does not pair forwards with backwards", schedule_name(r.kind)),
           "1f1b or interleaved", "dualpipe and dualpipev pair them by their own design");
  switch (r.kind) {
    case ScheduleKind::kGPipe:
    case ScheduleKind::kOneFOneB: break;
    case ScheduleKind::kZeroBubble1P:
      if (r.microbatches < r.pp)
        reject(origin, "microbatches",
               fmt::format("zb1p needs at least pp = {} micro-batches, got {}", r.pp, r.microbatches),
               fmt::format("a number >= {}", r.pp), "the deferred weight backwards fill a cool-down of pp");
      break;
    case ScheduleKind::kInterleaved:
      if (r.virtual_stages < 2 || r.virtual_stages > kMaxVirtualStages)
        reject(origin, "virtual_stages", fmt::format("interleaved needs 2 to {} virtual stages, got {}",
                                                     kMaxVirtualStages, r.virtual_stages),
               fmt::format("2 to {}", kMaxVirtualStages), "with 1 virtual stage use 1f1b");
      if (r.microbatches % r.pp != 0)
        reject(origin, "microbatches",
               fmt::format("interleaved needs micro-batches in whole groups of pp = {}, got {}", r.pp,
                           r.microbatches),
               fmt::format("a multiple of {}", r.pp), "Megatron's interleaved schedule has the same rule");
      break;
    case ScheduleKind::kDualPipe:
    case ScheduleKind::kDualPipeV: check_dualpipe(r, origin); break;
  }
}

PipelineSchedule make_schedule(const ScheduleRequest& r, const std::string& origin) {
  check_schedule_request(r, origin);
  PipelineSchedule schedule = [&] {
    switch (r.kind) {
      case ScheduleKind::kGPipe: return gpipe_schedule(r.pp, r.microbatches);
      case ScheduleKind::kOneFOneB: return one_f_one_b_schedule(r.pp, r.microbatches, r.paired);
      case ScheduleKind::kZeroBubble1P: return zb1p_schedule(r.pp, r.microbatches);
      case ScheduleKind::kInterleaved: return interleaved_schedule(r.pp, r.microbatches, r.virtual_stages, r.paired);
      case ScheduleKind::kDualPipe: return dualpipe_schedule(r.pp, r.microbatches);
      case ScheduleKind::kDualPipeV: return dualpipev_schedule(r.pp, r.microbatches);
    }
    throw Error("unknown schedule kind");
  }();
  validate_schedule(schedule);
  return schedule;
}

}  // namespace trainsim::sim
