// PricedScenario: a scenario priced once. Its op catalog on its GPU at the full SM count (placement, memory,
// the engine's stage ops) and at the SM share its schedule leaves compute (the closed form's chunks), its
// stage plan, and the chunk times of the executed schedule's stages: the one pricing that `run` (every
// fidelity), `schedule --scenario` and the cost of a whole run read.
#pragma once
#include <optional>
#include <vector>

#include <memory>
#include <mutex>

#include "hardware/calibrated_constants.h"
#include "hardware/shaped_op_time_model.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/stage_plan.h"
#include "sim/schedules/chunk_times.h"
#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/resolved_schedule.h"
#include "sim/schedules/schedule_run.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {

struct PricedScenario {
  explicit PricedScenario(const Scenario& scenario);
  // Holds references into itself (the time models point at the scenario's GPU): neither copied nor moved.
  PricedScenario(const PricedScenario&) = delete;
  PricedScenario& operator=(const PricedScenario&) = delete;

  const Scenario& scenario;
  // The shape models' constants fitted to the scenario's calibration (cluster.calibration, or the shipped file
  // of its GPU type); kernel families it has no points for, or every family without a calibration, are priced
  // by the datasheet roofline.
  const std::shared_ptr<const hw::CalibratedConstants> calibrated;
  // Compute at the full SM count: the engine slows it itself while communication kernels hold SMs.
  const hw::ShapedOpTimeModel full_sms_model;
  // Compute at the SMs the communication kernels leave, where the schedule overlaps F&B (DualPipe: 112 of
  // 132 on an H800), else the full count: what the closed form's chunks run at.
  const hw::ShapedOpTimeModel schedule_sms_model;
  const PricedModel at_full_sms;
  const PricedModel at_schedule_sms;
  const StagePlan plan;
  // One ChunkTimes per stage of the executed schedule (schedule_request_for(layout).pp entries: an
  // interleaved device's v virtual stages together, DualPipeV's 2 pp stages apart), communication included
  // where the schedule leaves it exposed (chunk_times_of).
  const std::vector<ChunkTimes> stage_chunks;
  // The schedule at the scenario's global batch (resolved_schedule.h: built once per process; null where the
  // layout cannot take its micro-batches, which the loader refuses).
  const int microbatches;
  const std::shared_ptr<const ResolvedSchedule> schedule;

  // The ideal executor's run of `schedule` on stage_chunks, run on first use (a layout search refuses most
  // layouts on memory, which needs only the schedule's op orders); null without a schedule.
  const ScheduleRun* executed() const;

  // The schedule at `microbatches`. Throws ConfigError where the layout cannot take them.
  std::shared_ptr<const ResolvedSchedule> schedule_at(int microbatches) const;

 private:
  mutable std::once_flag executed_once_;
  mutable std::optional<ScheduleRun> executed_;
};

// The layout's schedule at `microbatches`, or none where the layout cannot take them (a ramp batch may be
// below what DualPipe needs).
std::shared_ptr<const ResolvedSchedule> schedule_if_valid(const ParallelLayout& layout, int microbatches);

// One stage pass as the schedules see it: F and B carry their EP and TP communication; F&B overlaps one
// chunk's EP all-to-all with the other's compute (DualPipe), TP stays exposed.
ChunkTimes chunk_times_of(const LayerTiming& timing);

}  // namespace trainsim::sim
