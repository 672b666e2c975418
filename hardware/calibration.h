// Calibration: measured op times of one GPU model (single kernel calls of one shape, or groups of kernels of
// one kernel family summed against the catalog ops they implement; seconds, the SMs the kernels had), where
// they come from, and optionally a fitted model's parameters and residuals per kernel family.
// The file format, every key with its unit, is hardware/calibration/FORMAT.md.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "hardware/kernel_family.h"
#include "models/op.h"

namespace trainsim::hw {

enum class CalibrationSourceKind {
  kTrace,      // a profiler trace (PyTorch/Kineto), imported by `trainsim calibrate --from-trace`
  kKernels,    // the project's own kernels (kernels/), run by `trainsim calibrate --device`
  kPublished,  // a published table (a README, a paper), typed in by hand with its address
};
std::string_view calibration_source_name(CalibrationSourceKind kind);  // "trace", "kernels", "published"

// The GPU the points were measured on. SM count and clock must match the scenario's GPU for the file to
// apply (hardware/calibration_choice.h).
struct CalibrationDevice {
  std::string gpu;   // catalog key of the measured GPU: "h800"
  std::string name;  // "NVIDIA H800 SXM5"
  int sm_count = 0;
  double boost_clock_hz = 0;
  std::string driver;  // "550.54.15", or "unknown" where a published table does not say
  std::string cuda;    // "12.8"
  SourceLocation gpu_at;          // where the file gives them, for a mismatch found later
  SourceLocation sm_count_at;
  SourceLocation boost_clock_at;
};

struct CalibrationSource {
  CalibrationSourceKind kind = CalibrationSourceKind::kPublished;
  std::string description;  // what was measured and how
  std::string url;          // optional: where the figures or the trace can be found
  std::string date;         // YYYY-MM-DD: when measured or published
};

// One named dimension of an op's shape: {"m", 4096}. Names come from shape_dim_names().
struct ShapeDim {
  std::string name;
  long long size = 0;
};

// One op of a group point: its kind, dtype and shape as the op catalog gives them (shape names as a single
// point's; memory-bound ops give `bytes`).
struct GroupMember {
  models::OpKind op = models::OpKind::kGemm;
  models::Dtype dtype = models::Dtype::kBf16;
  std::vector<ShapeDim> shape;  // in file order
  std::string note;             // the catalog op's name: "attn.q_up", "moe.experts.down.wgrad"
  bool recomputed = false;      // a forward op re-run inside backward (its family is the forward kernel's)
  SourceLocation at;

  long long dim(std::string_view name, long long fallback = 0) const;
};

// A measured point. Either a single kernel call of one shape (`op`, `shape`), or a group: a profiler trace
// records no shapes, so `trainsim calibrate --from-trace` sums the kernels of one kernel family in one block
// of one layer (DualPipe's attn(F), ...) and lists the catalog ops they implement as `members`; the fit then
// matches the members' summed model time to `seconds`.
struct MeasuredPoint {
  models::OpKind op = models::OpKind::kGemm;  // single points only
  models::Dtype dtype = models::Dtype::kBf16;
  std::optional<models::Pass> pass;  // absent: the op kind runs the same kernel in every pass
  std::vector<ShapeDim> shape;       // single points only, in file order
  double seconds = 0;                // one kernel call; a group: its kernels summed
  double achieved_flops_per_s = 0;   // the rate as published, where `seconds` was derived from it; else 0
  int sm_count = 0;                  // SMs the kernel had (the device's unless the file says fewer)
  std::string note;
  SourceLocation at;  // the point's entry in the file
  // The catalog op a single point measured, where it stands for that op alone (a host calibration's points: on the
  // host each op runs the model's own code, and two ops of one shape may differ, kernels/calibration/
  // host_calibration.h); empty where the point prices every op of its kernel shape.
  std::string catalog_op;

  // Group points only (members non-empty): the family every member falls in, the trace's kernel count, and
  // which block of which layer ("layer 2 attn B+W").
  std::optional<KernelFamily> family;
  std::vector<GroupMember> members;
  int kernels = 0;
  std::string group;

  bool is_group() const { return !members.empty(); }
  // The family the point calibrates: a group's, else that of its op kind, dtype and pass (F when absent).
  KernelFamily kernel_family() const;
  // The size of dimension `name`, or `fallback` when the shape does not have it.
  long long dim(std::string_view name, long long fallback = 0) const;
};

// What a fit of one kernel family's points found: the model's name, its constants (SI units, the unit in the
// name: "launch_s") and how far the model misses the points.
struct FittedModel {
  KernelFamily family = KernelFamily::kFp8Gemm;
  std::string model;
  std::vector<std::pair<std::string, double>> parameters;  // in file order
  int points_fitted = 0;
  double rms_relative_error = 0;
  double max_relative_error = 0;
  std::optional<double> held_out_rms_relative_error;  // on points left out of the fit
};

// How a calibration prices ops. kFits: the shape models fitted, family by family, to its points (every GPU
// calibration: a fit reads between and a little beyond the measured shapes). kPoints: each op by the point of its
// own kernel shape and nothing else (the host, hardware/host_device.h: a CPU's kernels follow none of the GPU
// shape models, and its plan measures every shape its one scenario runs); an op without a point is an error.
enum class CalibrationLaw { kFits, kPoints };

// A pass over memory the step makes once, outside every op of the catalog, as the measured implementation runs it:
// `seconds` over `bytes`, the bytes the simulator charges the pass (sim/step/data_parallel.h). Two are measured: the
// optimizer step, and the zeroing of the gradient buffer for the next step. kPoints calibrations only.
struct MeasuredPass {
  double bytes = 0;
  double seconds = 0;
};

struct Calibration {
  std::string file;  // the path it was read from, as given (or "hardware/calibration/<name>" when shipped)
  CalibrationDevice device;
  CalibrationSource source;
  std::vector<MeasuredPoint> points;
  std::vector<FittedModel> fits;
  CalibrationLaw law = CalibrationLaw::kFits;
  std::optional<MeasuredPass> optimizer;
  std::optional<MeasuredPass> gradient_zeroing;

  // The kernel families that have points, in KernelFamily order, with how many each.
  std::vector<std::pair<KernelFamily, int>> points_by_family() const;
};

// Reads and validates a calibration file. Throws ConfigError (file:line:col, key path, expected form, hint)
// on anything malformed: unknown keys, missing fields, bad units, non-positive times, unknown op kinds, group
// members outside their group's kernel family.
Calibration load_calibration(const std::string& path);
// The same from text; `file_name` names it in messages and in Calibration::file.
Calibration parse_calibration(const std::string& text, const std::string& file_name);

// The file text of `calibration`: deterministic (same calibration, same bytes), every number written so that
// parse_calibration reads back the same double, and a comment header saying how the file was made.
// `made_by`: the command that made it, one line ("trainsim calibrate --from-trace ... -o ...").
std::string format_calibration(const Calibration& calibration, const std::string& made_by = "");

// The shape dimension names a point may use, documented in FORMAT.md.
const std::vector<std::string>& shape_dim_names();

}  // namespace trainsim::hw
