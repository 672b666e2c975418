// Pricing a scenario once (see priced_scenario.h).
#include "sim/step/priced_scenario.h"

#include <algorithm>

#include "core/error.h"
#include "hardware/host_device.h"
#include "sim/schedules/schedule_request.h"

#include "sim/scenario/layout_rules.h"

namespace trainsim::sim {
namespace {

// Placement balances compute priced at the full SM count.
PlacementCosts placement_costs(const PricedModel& priced) {
  PlacementCosts costs;
  costs.dense_layer = priced.dense.timing.compute_s();
  costs.moe_layer = priced.moe.timing.compute_s();
  costs.embedding = priced.embedding.timing.compute_s();
  costs.output_head = priced.head.timing.compute_s();
  costs.mtp_module = priced.mtp.timing.compute_s();
  return costs;
}

std::vector<ChunkTimes> executed_stage_chunks(const Scenario& s, const StagePlan& plan, const PricedModel& priced) {
  std::vector<ChunkTimes> out;
  if (s.layout.schedule == ScheduleKind::kInterleaved) {
    // The executor takes one chunk per device and runs each virtual chunk for a v-th of it.
    for (const std::vector<int>& stages : plan.device_stages) {
      LayerTiming device;
      for (int stage : stages) device += stage_totals(plan.stages[static_cast<std::size_t>(stage)], priced, s.job.model).timing;
      out.push_back(chunk_times_of(device));
    }
    return out;
  }
  for (const Stage& stage : plan.stages) out.push_back(chunk_times_of(stage_totals(stage, priced, s.job.model).timing));
  return out;
}

int schedule_compute_sms(const Scenario& s) {
  return s.layout.pairs_forward_and_backward() ? s.cluster.gpu.sm_count - s.cluster.comm_sm_count
                                               : s.cluster.gpu.sm_count;
}

hw::ShapedOpTimeModel time_model(const Scenario& s, const hw::CalibratedConstants& calibrated, int compute_sms) {
  // The host (hardware/host_device.h) has no datasheet for the shape models or the roofline to read.
  if (s.cluster.gpu.key == hw::kHostGpuKey && !calibrated.constants.points)
    throw ConfigError(s.where("cluster.gpu"), "the host has no datasheet: its op times come only from points measured on it",
                      "a calibration of the host for this scenario's kernel shapes (calibration law: points)",
                      "trainsim validate measures one and predicts with it; --calibration-out FILE keeps it for "
                      "cluster.calibration");
  return hw::ShapedOpTimeModel(s.cluster.gpu, calibrated.constants, compute_sms, hw::RooflineEfficiencies{},
                               calibrated.fitted, calibrated.covered);
}

}  // namespace

std::shared_ptr<const ResolvedSchedule> schedule_if_valid(const ParallelLayout& layout, int microbatches) {
  try {
    return resolved_schedule(schedule_request_for(layout, microbatches));
  } catch (const ConfigError&) {
    return nullptr;
  }
}

ChunkTimes chunk_times_of(const LayerTiming& t) {
  ChunkTimes c;
  c.forward_s = t.forward_in_line_s();
  c.backward_s = t.backward_in_line_s();
  c.weight_backward_s = t.weight_backward_s;
  c.overlapped_s = std::max(t.compute_s(), t.ep_forward_s + t.ep_backward_s) + t.blocking_forward_comm_s() +
                   t.blocking_backward_comm_s();
  return c;
}

PricedScenario::PricedScenario(const Scenario& s)
    : scenario(s),
      calibrated(hw::calibrated_constants(s.cluster.calibration, s.cluster.gpu)),
      full_sms_model(time_model(s, *calibrated, s.cluster.gpu.sm_count)),
      schedule_sms_model(time_model(s, *calibrated, schedule_compute_sms(s))),
      at_full_sms(price_model(s, full_sms_model)),
      at_schedule_sms(schedule_sms_model.compute_sms() == full_sms_model.compute_sms() ? at_full_sms
                                                                                       : price_model(s, schedule_sms_model)),
      plan(plan_stages(s, placement_costs(at_full_sms))),
      stage_chunks(executed_stage_chunks(s, plan, at_schedule_sms)),
      microbatches(microbatches_per_step(s.layout, s.job.global_batch_sequences)),
      schedule(schedule_if_valid(s.layout, microbatches)) {}

const ScheduleRun* PricedScenario::executed() const {
  std::call_once(executed_once_, [this] {
    if (schedule) executed_ = run_schedule(schedule->schedule, schedule->dependencies, stage_chunks);
  });
  return executed_ ? &*executed_ : nullptr;
}

std::shared_ptr<const ResolvedSchedule> PricedScenario::schedule_at(int count) const {
  if (count == microbatches && schedule) return schedule;
  return resolved_schedule(schedule_request_for(scenario.layout, count));
}

}  // namespace trainsim::sim
