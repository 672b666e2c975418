// SimGrid backend of the event engine (see engine.h). A lazy DAG (notes/simgrid-3.32.md, section 3): an
// activity is created and started only when its last predecessor completes, from the completion callback,
// and its reference is kept until that callback has returned. Hosts compute at kHostSpeedFlopsPerS, so an
// exec's flops are its duration in nanoseconds. A GPU drops to its slow pstate while any communication
// kernel runs on it (notes section 5: pstate changes from callbacks take effect at once).
#include "sim/engine.h"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "hardware/simgrid_platform.h"

namespace sg4 = simgrid::s4u;

namespace trainsim::sim {
namespace {

constexpr double kHostSpeedFlopsPerS = 1e9;

class DagRun {
 public:
  DagRun(const ActivityGraph& graph, std::vector<sg4::Host*> hosts_by_gpu, std::function<void(double)> progress)
      : graph_(graph),
        progress_(std::move(progress)),
        hosts_(std::move(hosts_by_gpu)),
        kernels_(hosts_.size(), 0),
        live_(graph.activities().size()) {
    for (const Activity& a : graph.activities()) pending_.push_back(a.predecessors);
    timeline_.events.resize(graph.activities().size());
    ids_.resize(graph.activities().size());
    for (std::size_t i = 0; i < ids_.size(); ++i) ids_[i] = static_cast<int>(i);
  }

  void start_ready() {
    for (int i = 0; i < graph_.size(); ++i)
      if (pending_[i] == 0) start(i);
  }

  void complete(const sg4::Activity& done) {
    graveyard_.clear();  // refs of activities whose callbacks have returned
    const int* id = done.get_data<int>();
    if (id == nullptr || live_[*id] == nullptr) return;  // not ours, or a repeated signal
    if (done.get_state() != sg4::Activity::State::FINISHED) failures_.push_back(*id);
    const Activity& a = graph_.activities()[*id];
    timeline_.events[*id] = {a.label.rank,          a.stream, a.label.kind, a.label.name, a.label.microbatch,
                             done.get_start_time(), done.get_finish_time()};
    ++completed_;
    if (progress_ && completed_ * 100LL / graph_.size() != (completed_ - 1) * 100LL / graph_.size())
      progress_(static_cast<double>(completed_) / graph_.size());
    if (a.comm_kernel) hold_sms(a, -1);
    graveyard_.push_back(std::move(live_[*id]));
    for (int next : a.successors)
      if (--pending_[next] == 0) start(next);
  }

  Timeline finish() {
    TS_CHECK(failures_.empty(), "{} activities failed, first {}", failures_.size(),
             failures_.empty() ? std::string() : graph_.names()[graph_.activities()[failures_.front()].label.name]);
    TS_CHECK(completed_ == graph_.size(), "{} of {} activities never became ready (a cycle?)",
             graph_.size() - completed_, graph_.size());
    for (const TimelineEvent& e : timeline_.events) timeline_.makespan_s = std::max(timeline_.makespan_s, e.end_s);
    timeline_.names = graph_.names();
    timeline_.rank_names = graph_.rank_names();
    graveyard_.clear();
    return std::move(timeline_);
  }

 private:
  void start(int i) {
    const Activity& a = graph_.activities()[i];
    if (a.stream == Stream::kCompute) {
      sg4::ExecPtr exec = sg4::Exec::init();
      exec->set_flops_amount(a.duration_s * kHostSpeedFlopsPerS)->set_host(hosts_[a.gpu]);
      live_[i] = exec;
    } else {
      // NOTE: sendto_init(src, dst) then set_payload_size stays unstarted until start() (setter order matters).
      sg4::CommPtr comm = sg4::Comm::sendto_init(hosts_[a.gpu], hosts_[a.dst_gpu]);
      comm->set_payload_size(static_cast<uint64_t>(std::llround(a.bytes)));
      live_[i] = comm;
      if (a.comm_kernel) hold_sms(a, +1);
    }
    live_[i]->set_data(&ids_[i]);
    live_[i]->start();
  }

  // Communication kernels running on each end GPU of `a` change by `delta`; pstate 1 while any runs.
  void hold_sms(const Activity& a, int delta) {
    for (int gpu : {a.gpu, a.dst_gpu}) {
      const int before = kernels_[gpu];
      kernels_[gpu] += delta;
      if ((before == 0) != (kernels_[gpu] == 0)) hosts_[gpu]->set_pstate(kernels_[gpu] > 0 ? 1 : 0);
    }
  }

  const ActivityGraph& graph_;
  std::function<void(double)> progress_;
  std::vector<sg4::Host*> hosts_;  // by GPU index; null for GPUs outside the slice
  std::vector<int> kernels_;       // communication kernels running, by GPU index
  std::vector<sg4::ActivityPtr> live_;
  std::vector<sg4::ActivityPtr> graveyard_;
  std::vector<int> pending_;
  std::vector<int> ids_;
  std::vector<int> failures_;
  int completed_ = 0;
  Timeline timeline_;
};

DagRun* current_run = nullptr;  // the run the completion signal feeds (one per process)

// Exact B/W + latency for a lone flow, max-min sharing among concurrent ones (notes section 4b).
void configure_network() {
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic", false);
  sg4::Engine::set_config("network/TCP-gamma", 1e30);
}

}  // namespace

Timeline run_engine(const ActivityGraph& graph, const hw::Topology& topology, const EngineOptions& options) {
  TS_CHECK(options.compute_share_during_comm > 0 && options.compute_share_during_comm <= 1,
           "compute share {} during communication", options.compute_share_during_comm);
  static bool used = false;
  TS_CHECK(!used, "one SimGrid simulation per process: run each simulation in a child process");
  used = true;
  char program[] = "trainsim";
  char* argv[] = {program, nullptr};
  int argc = 1;
  xbt_log_control_set("root.thresh:warning");  // before the Engine parses its arguments
  sg4::Engine engine(&argc, argv);
  configure_network();
  const std::vector<int> gpus = graph.gpus();
  const hw::SimGridPlatform platform = hw::build_simgrid_platform(
      topology, gpus, graph.flow_pairs(), {kHostSpeedFlopsPerS, kHostSpeedFlopsPerS * options.compute_share_during_comm});
  std::vector<sg4::Host*> hosts(static_cast<std::size_t>(topology.gpu_count()), nullptr);
  for (std::size_t i = 0; i < gpus.size(); ++i) hosts[gpus[i]] = platform.hosts[i];
  DagRun run(graph, std::move(hosts), options.progress);
  current_run = &run;
  sg4::Activity::on_completion_cb([](const sg4::Activity& a) {
    if (current_run != nullptr) current_run->complete(a);
  });
  run.start_ready();
  engine.run();
  current_run = nullptr;
  return run.finish();
}

}  // namespace trainsim::sim
