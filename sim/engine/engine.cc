// SimGrid backend of the event engine (see engine.h). Hosts compute at kHostSpeedFlopsPerS, so an exec's
// flops are its duration in nanoseconds. A GPU drops to its slow pstate while any communication kernel runs
// on it (docs/simgrid.md#compute-slowdown: pstate changes take effect at once).
//
// Dependencies are counted here and an activity starts only once its last predecessor has completed (the
// lazy DAG of docs/simgrid.md#lazy-start); a GPU's compute ops also wait for the one added before them (the stream).
// Flows start from maestro: in SimGrid's completion callback of their last predecessor, or from a kernel
// timer set for the current instant when that predecessor completed in an actor (a flow an actor started
// would never signal its completion). Compute ops start in one of two ways, same times either way:
// - from maestro too, when few GPUs compute (stage fidelity: 16);
// - else in one actor per GPU that runs its stream. SimGrid files every activity under the actor that
//   created it, in a std::list it scans whenever one ends; with a thousand GPUs computing at once that
//   scan over maestro's list took 60% of a gpu-fidelity step (perf, 2026-11), while a GPU actor's list
//   holds its one exec. Below kStreamActorsFrom GPUs the actors' context switches cost more than the scan.
//   Flows stay with maestro: SimGrid 3.32 files every host-to-host comm under maestro whoever starts it
//   (CommImpl::detach), so sender actors only added context switches (tried: 19 s became 30 s).
// A chain of compute ops that nothing else enters or leaves runs as one execution (compute_runs.h): the ops
// inside it end where the GPU's speed over the run puts their work, the last where SimGrid ends it.
#include "sim/engine/engine.h"

#include <simgrid/kernel/Timer.hpp>
#include <simgrid/s4u.hpp>
#include <xbt/asserts.h>
#include <xbt/log.h>

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/child_process.h"
#include "core/error.h"
#include "sim/engine/compute_runs.h"
#include "sim/engine/simgrid_platform.h"
#include "sim/engine/timeline_bytes.h"

namespace sg4 = simgrid::s4u;

namespace trainsim::sim {
namespace {

constexpr double kHostSpeedFlopsPerS = 1e9;
constexpr int kStreamActorsFrom = 128;  // GPUs that compute

class DagRun {
 public:
  DagRun(const ActivityGraph& graph, std::vector<sg4::Host*> hosts_by_gpu, const EngineOptions& options)
      : graph_(graph),
        progress_(options.progress),
        slowed_speed_(options.compute_share_during_comm),
        hosts_(std::move(hosts_by_gpu)),
        kernels_(hosts_.size(), 0),
        runs_(compute_runs(graph, static_cast<int>(hosts_.size()))),
        speed_changes_(hosts_.size()),
        in_run_(hosts_.size(), false),
        run_start_speed_(hosts_.size(), 1.0),
        next_compute_(hosts_.size(), 0),
        computing_(hosts_.size(), false),
        ready_flag_(graph.activities().size(), false),
        live_(graph.activities().size()) {
    for (const Activity& a : graph.activities()) pending_.push_back(a.predecessors);
    timeline_.events.resize(graph.activities().size());
    ids_.resize(graph.activities().size());
    for (std::size_t i = 0; i < ids_.size(); ++i) ids_[i] = static_cast<int>(i);
  }

  // The GPUs' compute actors if many GPUs compute, then whatever is ready before anything ran.
  void start() {
    const auto computing =
        std::count_if(runs_.heads_by_gpu.begin(), runs_.heads_by_gpu.end(), [](const auto& c) { return !c.empty(); });
    stream_actors_ = computing >= kStreamActorsFrom;
    ready_.resize(hosts_.size());
    for (std::size_t g = 0; g < hosts_.size() && stream_actors_; ++g) {
      if (runs_.heads_by_gpu[g].empty()) continue;
      ready_[g] = sg4::Semaphore::create(0);
      actors_.push_back(sg4::Actor::create(fmt::format("gpu{}", g), hosts_[g], [this, g] { run_compute_stream(g); }));
    }
    for (int i = 0; i < graph_.size(); ++i)
      if (pending_[i] == 0) make_ready(i, false);
  }

  // SimGrid's completion signal: flows, and compute ops started from maestro.
  void maestro_activity_completed(const sg4::Activity& done) {
    graveyard_.clear();  // refs of activities whose callbacks have returned
    const int* id = done.get_data<int>();
    if (id == nullptr || live_[*id] == nullptr) return;  // not ours, or a repeated signal
    const Activity& a = graph_.activities()[*id];
    if (a.comm_kernel) hold_sms(a, -1);
    graveyard_.push_back(std::move(live_[*id]));
    if (a.stream != Stream::kCompute) return completed(*id, done, false);
    computing_[a.gpu] = false;
    ++next_compute_[a.gpu];
    completed_run(*id, done, false);
    start_next_compute(a.gpu);
  }

  Timeline finish() {
    actors_.clear();
    ready_.clear();
    TS_CHECK(failures_.empty(), "{} activities failed, first {}", failures_.size(),
             failures_.empty() ? std::string() : graph_.names()[graph_.activities()[failures_.front()].label.name]);
    TS_CHECK(completed_ == graph_.size(), "{} of {} activities never became ready (a cycle?)",
             graph_.size() - completed_, graph_.size());
    for (const TimelineEvent& e : timeline_.events) timeline_.makespan_s = std::max(timeline_.makespan_s, e.end_s);
    timeline_.names = graph_.names();
    timeline_.rank_names = graph_.rank_names();
    timeline_.tag_names = graph_.tag_names();
    graveyard_.clear();
    return std::move(timeline_);
  }

 private:
  // A GPU's compute stream: each run (compute_runs.h) once its first op is ready, one at a time, in the order added.
  void run_compute_stream(std::size_t gpu) {
    for (int i : runs_.heads_by_gpu[gpu]) {
      while (!ready_flag_[i]) ready_[gpu]->acquire();  // released as each run's first op becomes ready
      sg4::ExecPtr exec = sg4::this_actor::exec_init(begin_run(i) * kHostSpeedFlopsPerS);
      exec->wait();
      completed_run(i, *exec, true);
    }
  }

  // The run that starts with op `head` begins on its GPU now: its speed changes are recorded from here on.
  // Returns the run's work in seconds at full speed.
  double begin_run(int head) {
    const int gpu = graph_.activities()[head].gpu;
    speed_changes_[gpu].clear();
    in_run_[gpu] = runs_.next_in_run[head] >= 0;  // a lone op needs no speed record: SimGrid ends it
    run_start_speed_[gpu] = hosts_[gpu]->get_pstate() == 0 ? 1.0 : slowed_speed_;
    double seconds = 0;
    for (int i = head; i >= 0; i = runs_.next_in_run[i]) seconds += graph_.activities()[i].duration_s;
    return seconds;
  }

  // The run that started with `head` has ended: each of its ops ends where the GPU's speed over the run puts
  // its work (the last at SimGrid's end), and completes in turn.
  void completed_run(int head, const sg4::Activity& done, bool in_actor) {
    if (runs_.next_in_run[head] < 0) return completed(head, done, in_actor);
    in_run_[graph_.activities()[head].gpu] = false;
    std::vector<double> durations_s;
    for (int i = head; i >= 0; i = runs_.next_in_run[i]) durations_s.push_back(graph_.activities()[i].duration_s);
    const int gpu = graph_.activities()[head].gpu;
    std::vector<double> ends_s = op_ends_in_run_s(durations_s, done.get_start_time(), run_start_speed_[gpu],
                                                  speed_changes_[gpu]);
    ends_s.back() = done.get_finish_time();
    double start_s = done.get_start_time();
    std::size_t k = 0;
    for (int i = head; i >= 0; i = runs_.next_in_run[i], ++k) {
      const double end_s = std::min(ends_s[k], done.get_finish_time());
      record(i, done, start_s, end_s, in_actor);
      start_s = end_s;
    }
  }

  void completed(int id, const sg4::Activity& done, bool in_actor) {
    // A flow's delay is part of it: it starts when it is issued.
    record(id, done, done.get_start_time() - graph_.activities()[id].delay_s, done.get_finish_time(), in_actor);
  }

  // Activity `id` ran from start_s to end_s (within `done`): its event, and its successors one step nearer ready.
  void record(int id, const sg4::Activity& done, double start_s, double end_s, bool in_actor) {
    if (done.get_state() != sg4::Activity::State::FINISHED) failures_.push_back(id);
    const Activity& a = graph_.activities()[id];
    timeline_.events[id] = {a.label.rank, a.stream, a.label.tag, a.label.name, a.label.microbatch, start_s, end_s};
    ++completed_;
    if (progress_ && completed_ * 100LL / graph_.size() != (completed_ - 1) * 100LL / graph_.size())
      progress_(static_cast<double>(completed_) / graph_.size());
    for (int next : a.successors)
      if (--pending_[next] == 0) make_ready(next, in_actor);
  }

  // A compute op wakes its GPU's stream. A flow starts now from maestro: at once when called there, else
  // from a timer at the current instant (a flow an actor created would never signal its completion).
  void make_ready(int i, bool in_actor) {
    const Activity& a = graph_.activities()[i];
    if (runs_.inside_run[i]) return;  // it runs in its run's execution, started with the run's first op
    if (a.stream == Stream::kCompute) {
      ready_flag_[i] = true;
      if (stream_actors_)
        ready_[a.gpu]->release();
      else
        start_next_compute(a.gpu);
      return;
    }
    if (!in_actor) {
      start_flow(i);
      return;
    }
    flows_to_start_.push_back(i);
    if (flows_to_start_.size() == 1)
      simgrid::kernel::timer::Timer::set(sg4::Engine::get_clock(), [this] {
        std::vector<int> flows;
        flows.swap(flows_to_start_);
        for (int f : flows) start_flow(f);
      });
  }

  // Maestro's stream: the GPU's next compute op, once it is idle and the op is ready.
  void start_next_compute(int gpu) {
    if (computing_[gpu] || next_compute_[gpu] >= static_cast<int>(runs_.heads_by_gpu[gpu].size())) return;
    const int i = runs_.heads_by_gpu[gpu][next_compute_[gpu]];
    if (!ready_flag_[i]) return;
    computing_[gpu] = true;
    sg4::ExecPtr exec = sg4::Exec::init();
    exec->set_flops_amount(begin_run(i) * kHostSpeedFlopsPerS)->set_host(hosts_[gpu]);
    live_[i] = exec;
    live_[i]->set_data(&ids_[i]);
    live_[i]->start();
  }

  // A flow with a delay moves its bytes from a timer that far ahead.
  void start_flow(int i) {
    const double delay_s = graph_.activities()[i].delay_s;
    if (delay_s > 0)
      simgrid::kernel::timer::Timer::set(sg4::Engine::get_clock() + delay_s, [this, i] { move_bytes(i); });
    else
      move_bytes(i);
  }

  void move_bytes(int i) {
    const Activity& a = graph_.activities()[i];
    // NOTE: sendto_init(src, dst) then set_payload_size stays unstarted until start() (setter order matters).
    sg4::CommPtr comm = sg4::Comm::sendto_init(hosts_[a.gpu], hosts_[a.dst_gpu]);
    comm->set_payload_size(static_cast<uint64_t>(std::llround(a.bytes)));
    live_[i] = comm;
    if (a.comm_kernel) hold_sms(a, +1);
    live_[i]->set_data(&ids_[i]);
    live_[i]->start();
  }

  // Communication kernels running on each end GPU of `a` change by `delta`; pstate 1 while any runs.
  void hold_sms(const Activity& a, int delta) {
    for (int gpu : {a.gpu, a.dst_gpu}) {
      const int before = kernels_[gpu];
      kernels_[gpu] += delta;
      if ((before == 0) == (kernels_[gpu] == 0)) continue;
      hosts_[gpu]->set_pstate(kernels_[gpu] > 0 ? 1 : 0);
      if (in_run_[gpu])
        speed_changes_[gpu].push_back({sg4::Engine::get_clock(), kernels_[gpu] > 0 ? slowed_speed_ : 1.0});
    }
  }

  const ActivityGraph& graph_;
  std::function<void(double)> progress_;
  double slowed_speed_ = 1;                    // a GPU's relative speed while communication kernels run on it
  std::vector<sg4::Host*> hosts_;              // by GPU index; null for GPUs outside the slice
  std::vector<int> kernels_;                   // communication kernels running, by GPU index
  ComputeRuns runs_;                           // by GPU index, heads_by_gpu: the first op of each of its runs
  std::vector<std::vector<SpeedChange>> speed_changes_;  // by GPU index: since its current run began
  std::vector<bool> in_run_;                   // by GPU index: a run of several ops is executing (speed recorded)
  std::vector<double> run_start_speed_;        // by GPU index: its relative speed when its current run began
  std::vector<int> next_compute_;              // by GPU index, maestro's streams: the next op to run
  std::vector<bool> computing_;                // by GPU index, maestro's streams
  std::vector<bool> ready_flag_;               // by activity: all predecessors done
  bool stream_actors_ = false;
  std::vector<sg4::SemaphorePtr> ready_;       // by GPU index: released once per compute op made ready
  std::vector<sg4::ActorPtr> actors_;
  std::vector<int> flows_to_start_;            // made ready in an actor, started by the next timer
  std::vector<sg4::ActivityPtr> live_;         // in flight, started from maestro
  std::vector<sg4::ActivityPtr> graveyard_;
  std::vector<int> pending_;
  std::vector<int> ids_;
  std::vector<int> failures_;
  int completed_ = 0;
  Timeline timeline_;
};

DagRun* current_run = nullptr;  // the run the completion signal feeds (one per process)

// Throws unless every activity can run: no cycle among the dependencies together with each GPU's compute
// stream order (a later compute op that an earlier one waits for would stall the stream). Kahn's sort,
// before SimGrid starts, so that a bad graph is an error and not a deadlock report.
void check_runs_to_the_end(const ActivityGraph& graph) {
  const auto& activities = graph.activities();
  std::vector<int> waiting(activities.size()), next_on_gpu(activities.size(), -1), last_on_gpu;
  for (std::size_t i = 0; i < activities.size(); ++i) {
    const Activity& a = activities[i];
    waiting[i] += a.predecessors;
    if (a.stream != Stream::kCompute) continue;
    if (last_on_gpu.size() <= static_cast<std::size_t>(a.gpu)) last_on_gpu.resize(static_cast<std::size_t>(a.gpu) + 1, -1);
    int& last = last_on_gpu[a.gpu];
    if (last >= 0) {
      next_on_gpu[last] = static_cast<int>(i);
      ++waiting[i];
    }
    last = static_cast<int>(i);
  }
  std::vector<int> ready;
  for (std::size_t i = 0; i < activities.size(); ++i)
    if (waiting[i] == 0) ready.push_back(static_cast<int>(i));
  std::size_t done = 0;
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    ++done;
    for (int next : activities[i].successors)
      if (--waiting[next] == 0) ready.push_back(next);
    if (next_on_gpu[i] >= 0 && --waiting[next_on_gpu[i]] == 0) ready.push_back(next_on_gpu[i]);
  }
  TS_CHECK(done == activities.size(), "{} of {} activities never became ready (a cycle, or a compute op waiting "
           "for one added after it on its GPU)", activities.size() - done, activities.size());
}

// Exact B/W + latency for a lone flow, max-min sharing among concurrent ones (docs/simgrid.md#network-model).
void configure_network() {
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic", false);
  sg4::Engine::set_config("network/TCP-gamma", 1e30);
}

// One simulation; SimGrid keeps one clock and platform per process and cannot reset them.
Timeline simulate(const ActivityGraph& graph, const hw::Topology& topology, const EngineOptions& options) {
  char program[] = "trainsim";
  char* argv[] = {program, nullptr};
  int argc = 1;
  sg4::Engine engine(&argc, argv);
  configure_network();
  const std::vector<int> gpus = graph.gpus();
  const hw::SimGridPlatform platform = hw::build_simgrid_platform(
      topology, gpus, graph.flow_pairs(), {kHostSpeedFlopsPerS, kHostSpeedFlopsPerS * options.compute_share_during_comm});
  std::vector<sg4::Host*> hosts(static_cast<std::size_t>(topology.gpu_count()), nullptr);
  for (std::size_t i = 0; i < gpus.size(); ++i) hosts[gpus[i]] = platform.hosts[i];
  DagRun run(graph, std::move(hosts), options);
  current_run = &run;
  sg4::Activity::on_completion_cb([](const sg4::Activity& a) {
    if (current_run != nullptr) current_run->maestro_activity_completed(a);
  });
  run.start();
  engine.run();
  current_run = nullptr;
  return run.finish();
}

// SimGrid's own log (xbt: warnings, a deadlock report, the message of an xbt_die or xbt_assert) never reaches
// the terminal, where a user would see a page of SimGrid where trainsim promises one line. It goes to a
// buffer the parent maps before the fork and reads when the child dies, to name SimGrid's last words in the
// one-line internal error. Shared and unbuffered, so what SimGrid wrote just before an abort() is there.
class SimGridLog {
 public:
  static constexpr std::size_t kBytes = 64 * 1024;
  SimGridLog() {
    void* memory = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    text_ = memory == MAP_FAILED ? nullptr : static_cast<char*>(memory);  // anonymous maps start zeroed
  }
  SimGridLog(const SimGridLog&) = delete;
  SimGridLog& operator=(const SimGridLog&) = delete;
  ~SimGridLog() {
    if (text_ != nullptr) ::munmap(text_, kBytes);
  }

  // In the child, before the Engine exists: every category logs through root into the buffer, warnings and
  // worse, without source locations or backtraces (xbt_assert prints one to stderr unless no_loc).
  void capture_in_child() const {
    xbt_log_no_loc = 1;  // what --log=no_loc sets; xbt_log_control_set does not take it
    std::FILE* stream = text_ == nullptr ? std::fopen("/dev/null", "w") : ::fmemopen(text_, kBytes - 1, "w");
    if (stream != nullptr) {
      std::setvbuf(stream, nullptr, _IONBF, 0);
      xbt_log_appender_set(&_XBT_LOGV(root), xbt_log_appender_stream(stream));
      xbt_log_layout_set(&_XBT_LOGV(root), xbt_log_layout_format_new("[%c/%p] %m%n"));
    }
    xbt_log_control_set("root.thresh:warning");
  }

  // In the parent: the first critical line SimGrid logged (the cause), else its last line; empty if none.
  std::string last_words() const {
    if (text_ == nullptr) return {};
    const std::string text(text_, ::strnlen(text_, kBytes));
    std::string last;
    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(start, end - start);
      if (line.find("/CRITICAL]") != std::string::npos) return line.substr(0, 300);
      if (!line.empty()) last = line;
      start = end + 1;
    }
    return last.substr(0, 300);
  }

 private:
  char* text_ = nullptr;
};

// The simulation itself, in a process that has run no other. An exception of SimGrid's own
// (simgrid::Exception, xbt's) means we fed it something wrong: it leaves as one internal error.
Timeline simulate_in_fresh_process(const ActivityGraph& graph, const hw::Topology& topology,
                                   const EngineOptions& options, const SimGridLog& log) {
  log.capture_in_child();  // before the Engine parses its arguments
  try {
    return simulate(graph, topology, options);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw_check_failure("SimGrid ran the step", __FILE__, __LINE__,
                        "SimGrid raised: " + what.substr(0, std::min(what.find('\n'), std::size_t{300})));
  }
}

}  // namespace

Timeline run_engine(const ActivityGraph& graph, const hw::Topology& topology, const EngineOptions& options) {
  return std::move(run_engines({EngineJob{&graph, nullptr, &topology, options}}, 1).front());
}

std::vector<Timeline> run_engines(const std::vector<EngineJob>& jobs, int parallel, std::vector<double>* cpu_s) {
  for (const EngineJob& job : jobs) {
    TS_CHECK((job.graph != nullptr) != static_cast<bool>(job.build_graph) && job.topology != nullptr);
    TS_CHECK(job.options.compute_share_during_comm > 0 && job.options.compute_share_during_comm <= 1,
             "compute share {} during communication", job.options.compute_share_during_comm);
    if (job.graph) check_runs_to_the_end(*job.graph);  // here, so a bad graph is reported before a process is forked
  }
  // NOTE: every simulation runs in a forked child of its own, which inherits the graph copy-on-write and sends
  // the timeline back: any number of simulations run one after another in one process.
  const std::vector<SimGridLog> logs(jobs.size());
  std::vector<std::function<std::string()>> works;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    works.emplace_back([&jobs, &logs, i] {
      const EngineJob& job = jobs[i];
      auto sent = [&job](Timeline timeline) {
        if (job.options.makespan_only) timeline.events.clear();
        return timeline_to_bytes(timeline);
      };
      if (job.graph) return sent(simulate_in_fresh_process(*job.graph, *job.topology, job.options, logs[i]));
      const ActivityGraph graph = job.build_graph();
      check_runs_to_the_end(graph);
      return sent(simulate_in_fresh_process(graph, *job.topology, job.options, logs[i]));
    });
  const std::vector<ChildResult> results = run_in_children(works, parallel);
  std::vector<Timeline> timelines;
  for (std::size_t i = 0; i < results.size(); ++i) {
    // The child's own errors come back as their messages; a child that died (an abort in xbt_die or
    // xbt_assert, a crash) is a bug, named with what SimGrid logged last.
    if (results[i].error.starts_with("child died")) {
      const std::string words = logs[i].last_words();
      throw_check_failure("the simulation child exits", __FILE__, __LINE__,
                          "simulation " + results[i].error + (words.empty() ? "" : "; SimGrid logged: " + words));
    }
    if (!results[i].ok()) throw std::runtime_error(results[i].error);
    timelines.push_back(timeline_from_bytes(results[i].bytes));
    if (cpu_s != nullptr) cpu_s->push_back(results[i].cpu_s);
  }
  return timelines;
}

}  // namespace trainsim::sim
