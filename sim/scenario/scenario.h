// Scenario: one training run to estimate, as three plain parts kept apart (what is trained, how it is run,
// where it runs), a seed, and where each setting came from so that later checks can point at it.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "hardware/cluster_spec.h"
#include "models/router_spec.h"
#include "sim/scenario/parallel_layout.h"
#include "sim/scenario/training_job.h"

namespace trainsim::sim {

struct Scenario;

// A phase of the run after the main training (training.phases): context extension, post-training. Either its
// own scenario (the main one with the phase's sequence length, batch, tokens and parallelism; no ramp) or,
// for work trainsim does not model (RL rollouts), GPU-hours given directly.
struct TrainingPhase {
  std::string name;
  std::shared_ptr<const Scenario> scenario;  // null when the GPU-hours are given
  double given_gpu_hours = 0;
};

struct Scenario {
  std::string source;  // the file it was read from, as given
  TrainingJob job;
  ParallelLayout layout;
  hw::ClusterSpec cluster;
  uint64_t seed = 0;
  std::vector<TrainingPhase> phases;  // after the main training, in order (training.phases)
  models::RouterSpec routing;  // the `routing:` section (routing_section.h); the seed drives its generator
  std::map<std::string, SourceLocation> locations;  // key path -> where the user wrote it

  // Where `key_path` was written; for a key left to its default, where its nearest enclosing part was.
  SourceLocation where(const std::string& key_path) const;
};

}  // namespace trainsim::sim
