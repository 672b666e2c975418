// The pipeline schedules trainsim knows, their names in scenario files and on the command line, and the
// published facts about each (DualPipe README / DeepSeek-V3 tech report table 2).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace trainsim::sim {

enum class ScheduleKind { kGPipe, kOneFOneB, kInterleaved, kZeroBubble1P, kDualPipe, kDualPipeV };

inline constexpr std::array kAllScheduleKinds{ScheduleKind::kGPipe,        ScheduleKind::kOneFOneB,
                                              ScheduleKind::kInterleaved,  ScheduleKind::kZeroBubble1P,
                                              ScheduleKind::kDualPipe,     ScheduleKind::kDualPipeV};

// "gpipe", "1f1b", "interleaved", "zb1p", "dualpipe", "dualpipev".
std::string_view schedule_name(ScheduleKind kind);
std::optional<ScheduleKind> schedule_from_name(std::string_view name);

// Parameter copies per device (DualPipe and DualPipeV keep two stages per device).
int parameter_copies(ScheduleKind kind);
// Devices the schedule needs for `pp` pipeline stages (DualPipeV folds the pipeline onto pp/2).
int devices_for_stages(ScheduleKind kind, int pp);
// Whether the schedule overlaps one micro-batch's EP all-to-all with another's compute (F&B pairs).
bool overlaps_forward_and_backward(ScheduleKind kind);
// Whether the schedule splits backward into Bi (inputs) and a deferred W (weights).
bool splits_weight_backward(ScheduleKind kind);

}  // namespace trainsim::sim
