// Routed loads built by hand for the step tests (the router of models/ is not needed to test the engine): the
// balanced load, every pair carrying the op catalog's expected bytes, and a load skewed onto EP rank 0.
#pragma once
#include <cstdint>

#include "models/routed_load.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim::testing {

// Bytes of one routed row on the wire: FP8 with one FP32 scale per 1x128 tile going out (tech report 3.3.1,
// DeepEP's FP8 dispatch), BF16 coming back.
double dispatch_row_bytes(const Scenario& s);
double combine_row_bytes(const Scenario& s);

// One micro-batch listing every MoE layer of the model (the MTP module's as layer num_layers + k), each rank
// computing tokens x top-k rows and each pair carrying the catalog's expected bytes: the NVLink bytes a GPU
// sends spread evenly over the other GPUs of its node in the group, its NIC bytes over the same index on the
// group's other nodes.
models::RoutedStepLoad balanced_load(const Scenario& s);

// The balanced load with `extra_rows` more rows on rank 0, taken evenly from the other ranks (extra_rows a
// multiple of EP - 1), and their bytes added to rank 0's dispatch column: `nvlink_part` of them from the other
// GPUs of its node over NVLink, the rest from the same index on the other nodes over their NICs; the combine
// brings them back, the same rows in BF16 on the same links (rank 0's combine row).
models::RoutedStepLoad skewed_load(const Scenario& s, std::int64_t extra_rows, double nvlink_part);

}  // namespace trainsim::sim::testing
