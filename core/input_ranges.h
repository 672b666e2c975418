// The sane range of every number a scenario or a GPU override gives, in one table (docs/scenario-ranges.md):
// a number that parses but makes no sense (a NIC of 1e-300 GB/s) would reach the model as inf or a 300-digit
// step time. Each range is wide enough for any real or foreseeable hardware; `why` says where its ends come from.
#pragma once
#include <string>
#include <string_view>

#include "core/units.h"

namespace trainsim {

// A quantity's range in SI units, with its ends as written in a file (a test checks that they parse to
// min and max). `zero_allowed`: 0 has a meaning of its own below min ("no FP8 tensor cores").
struct QuantityRange {
  Dimension dimension;
  double min;
  double max;
  std::string_view min_text;
  std::string_view max_text;
  bool zero_allowed;
  std::string_view why;

  bool contains(double value) const { return (zero_allowed && value == 0) || (value >= min && value <= max); }
  std::string text() const;  // "a bandwidth from 1 MB/s to 1 PB/s"
};

struct IntegerRange {
  long long min;
  long long max;
  std::string_view why;

  bool contains(long long value) const { return value >= min && value <= max; }
  std::string text() const;  // "a whole number from 1 to 4096"
};

namespace ranges {

// Quantities (scenario cluster fields and GPU fields).
inline constexpr QuantityRange kBandwidth{Dimension::kBytesPerSecond, 1e6, 1e15, "1 MB/s", "1 PB/s", false,
    "below any datacenter link; over 100x the fastest HBM today (B200, 8 TB/s)"};
inline constexpr QuantityRange kLatency{Dimension::kSeconds, 0, 1, "0 s", "1 s", false,
    "0 is an ideal link; real hops take microseconds, a second is no interconnect"};
inline constexpr QuantityRange kPricePerGpuHour{Dimension::kUsdPerHour, 0, 1000.0 / 3600.0, "$0/h", "$1000/h", false,
    "0 for owned hardware; over 100x today's rental prices ($2-$6 per GPU-hour)"};
inline constexpr QuantityRange kTensorPeak{Dimension::kFlopsPerSecond, 1e9, 1e18, "1 GFLOP/s", "1000 PFLOP/s", false,
    "from a laptop core to 200x the B200's 4.5 PFLOP/s dense FP8"};
inline constexpr QuantityRange kFp8Peak{Dimension::kFlopsPerSecond, 1e9, 1e18, "1 GFLOP/s", "1000 PFLOP/s", true,
    "as the other peaks; 0 for a GPU without FP8 tensor cores (A100)"};
inline constexpr QuantityRange kHbmCapacity{Dimension::kBytes, 1e6, 1e15, "1 MB", "1 PB", false,
    "over 5000x the largest GPU memory today (B200, 192 GB)"};
inline constexpr QuantityRange kMemoryReserve{Dimension::kBytes, 0, 1e15, "0 GiB", "1 PB", false,
    "0 leaves nothing for the CUDA context and communication buffers; 1 PB is the HBM capacity's upper end"};
inline constexpr QuantityRange kBoostClock{Dimension::kHertz, 1e6, 1e11, "1 MHz", "100 GHz", true,
    "GPUs clock at 1-3 GHz; 0 where the catalog gives no clock"};
inline constexpr QuantityRange kBoardPower{Dimension::kWatts, 1, 1e5, "1 W", "100 kW", false,
    "100x a B200's 1 kW board"};
// Cluster power and capital cost (cluster.power, cluster.capex; docs/sources.md#energy).
inline constexpr QuantityRange kNodePower{Dimension::kWatts, 0, 1e6, "0 W", "1000 kW", false,
    "0 leaves the host out; 1 MW is 100x a DGX B200's 14.3 kW system"};
inline constexpr QuantityRange kSwitchPower{Dimension::kWatts, 0, 1e5, "0 W", "100 kW", false,
    "0 leaves the network out; 100 kW is over 50x a 64-port NDR switch (QM9700, 747 W typical)"};
inline constexpr QuantityRange kPue{Dimension::kFraction, 1, 3, "1", "3", false,
    "1 is a facility that spends nothing beside its IT load; surveyed averages are 1.5-1.6, the worst under 3"};
inline constexpr QuantityRange kHardwarePrice{Dimension::kUsd, 0, 1e9, "$0", "$1000M", false,
    "per GPU, per node or per GPU's network share; $1000M is over 1000x a DGX system's price"};
inline constexpr QuantityRange kDepreciationYears{Dimension::kCount, 0.5, 30, "0.5", "30", false,
    "hyperscalers depreciate servers over 4-6 years; 30 years outlives any hardware"};
inline constexpr QuantityRange kElectricityUsdPerKwh{Dimension::kCount, 0, 10, "0", "10", false,
    "in $ per kWh; US industrial power costs about $0.08, 10 is 100x that"};
inline constexpr QuantityRange kFacilityUsdPerKwMonth{Dimension::kCount, 0, 1e4, "0", "10K", false,
    "in $ per kW of IT load per month; colocation rents are in the low hundreds, 10K is over 20x that"};
// Cluster failures (cluster.failures).
inline constexpr QuantityRange kGpuMtbf{Dimension::kSeconds, 3600, 3.6e11, "1 h", "100000000 h", false,
    "per GPU: Llama 3 saw one interruption per 50,677 GPU-hours; a GPU failing hourly to 2000x that"};
inline constexpr QuantityRange kRestartTime{Dimension::kSeconds, 0, 7 * 86400, "0 s", "7 d", false,
    "0 is an instant restart; a week is a cluster down, not a restart"};
inline constexpr QuantityRange kCheckpointInterval{Dimension::kSeconds, 1, 365 * 86400, "1 s", "365 d", false,
    "a checkpoint per step of a tiny run to one a year"};
// Training.
// Parallelism: a gradient bucket. PyTorch DDP's default 25 MiB holds 6.5M FP32 gradients and Megatron-Core's
// 40M parameters; under 1M a collective moves a few parameters and the step graph holds a flow per bucket.
inline constexpr QuantityRange kDpBucket{Dimension::kCount, 1e6, 1e13, "1M", "10T", false,
    "PyTorch DDP's 25 MiB is 6.5M FP32 gradients, Megatron-Core's 40M; 10T is 10x the largest models"};
inline constexpr QuantityRange kGpuHours{Dimension::kCount, 1, 1e10, "1", "10000M", false,
    "a phase given in GPU-hours; 10,000M is 1000x the largest published runs (DeepSeek-V3: 2.788M, Llama 3: 39.3M)"};
inline constexpr QuantityRange kTokens{Dimension::kCount, 1, 1e16, "1", "10000T", false,
    "over 250x the largest published pre-training runs (15-36T tokens)"};

// Whole numbers (counts and degrees).
inline constexpr IntegerRange kSequenceLength{1, 10'000'000, "the longest announced context windows (10M tokens)"};
inline constexpr IntegerRange kGlobalBatch{1, 1'000'000'000, "sequences per step; DeepSeek-V3 used 15,360"};
inline constexpr IntegerRange kPipelineDegree{1, 4096, "pipeline stages; published runs use up to 128"};
inline constexpr IntegerRange kTensorDegree{1, 1024, "TP stays within a node or rack (8-72 GPUs)"};
// Llama 3 ran CP 16 at sequence 131,072 (arXiv 2407.21783, table 4); beyond 1024, a sequence of a million
// tokens would leave each GPU under a thousand.
inline constexpr IntegerRange kContextDegree{1, 1024, "CP splits a sequence over a few to a few tens of GPUs"};
inline constexpr IntegerRange kExpertDegree{1, 1'000'000, "at most one expert group per GPU of the largest cluster"};
inline constexpr IntegerRange kDataDegree{1, 1'000'000, "replicas; at most the largest cluster's GPU count"};
inline constexpr IntegerRange kVirtualStages{1, 64, "interleaved chunks per device; Megatron uses 2-8"};
inline constexpr IntegerRange kZeroStage{0, 3, "the ZeRO stages that exist"};
inline constexpr IntegerRange kMicroBatchSize{1, 1024,
    "published runs use 1-16 sequences; 1024 keeps dp x micro_batch_size within a 32-bit count"};
inline constexpr IntegerRange kLayersPerStage{0, 100'000, "transformer layers on one stage; models have under 200"};
inline constexpr IntegerRange kPipelineRankLayers{1, 100'000,
    "transformer layers on the first or last pipeline rank; models have under 200"};
inline constexpr IntegerRange kNodes{1, 1'000'000, "100x the largest clusters today (100K GPUs)"};
inline constexpr IntegerRange kGpusPerNode{1, 1024, "an NVL72 rack is 72 GPUs; 1024 leaves room for larger domains"};
inline constexpr IntegerRange kSmCount{1, 10'000, "streaming multiprocessors; a B200 has 148"};
inline constexpr IntegerRange kSeed{0, 9'000'000'000'000'000'000LL, "any seed that fits a signed 64-bit integer"};

}  // namespace ranges
}  // namespace trainsim
