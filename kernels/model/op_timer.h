// Per-op timing of the reduced DeepSeek-V3's training step (issue 19): steady_clock around each op, keyed by the
// simulator's op kinds (models/compute_kind.h's names, repeated here: kernels/ builds alone), the pass and the layer.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trainsim::kernels::model {

// The simulator's ComputeKind, in its order, with its JSON names (compute_kind_name in models/compute_kind.h).
enum class OpKind {
  kAttentionCore,
  kProjection,
  kMlpGemm,
  kExpertGemm,
  kRouter,
  kPermute,
  kNormElementwise,
  kQuantize,
  kEmbeddingHead,
  kOptimizer,
};
inline constexpr int kOpKindCount = static_cast<int>(OpKind::kOptimizer) + 1;
std::string_view op_kind_name(OpKind kind);  // "attention_core", ..., "optimizer"

enum class Pass { kForward, kBackward, kOptimizer };
std::string_view pass_name(Pass pass);  // "F", "B", "O"

// Layer of the ops outside the transformer blocks (embedding, final norm, head, loss, optimizer).
inline constexpr int kNoLayer = -1;

struct TimedOp {
  std::string_view name;  // a string literal at the call site
  OpKind kind = OpKind::kAttentionCore;
  Pass pass = Pass::kForward;
  int layer = kNoLayer;  // 0..num_hidden_layers-1; MTP depth k (1-based) is num_hidden_layers + k - 1
  int64_t start_ns = 0;  // since the step began (steady_clock)
  int64_t duration_ns = 0;
  // The op's matrix arithmetic, counted where it is issued (count_flops): 2 m n k per GEMM (a backward op's Dgrad
  // and Wgrad: 4 m n k), the attention core's as mla_problem.h counts it; norms and element-wise ops count none.
  double flops = 0;
  // What the op's device kernels took, measured on the device (CUDA events around a back-end's kernels,
  // count_device_time), without the host's share of the op (its own loops, copies, launches); 0 for an op that ran
  // no device kernel. The FP8 casts that feed the op's GEMMs included; the next two say how much of it they were.
  int64_t device_ns = 0;
  int64_t activation_cast_device_ns = 0;  // DeviceWork::kActivationCast
  int64_t weight_cast_device_ns = 0;      // DeviceWork::kWeightCast
};

// What a back-end's device time was spent on (count_device_time). An FP8 GEMM's operands are cast on the device
// first; the simulator's catalog prices each activation's cast as a quantize op of its own (models/layer_builder.h:
// quant_x, quant_dy, requant_x_t) and casts no weight per GEMM (its 128x128 blocks, made once, serve every call),
// where the model casts its weights at every call. So the casts are counted apart from the GEMM's kernels.
enum class DeviceWork {
  kKernels,         // the op's own kernels: its kind's
  kActivationCast,  // an activation's (or its gradient's) FP8 cast: the quantize kind's
  kWeightCast,      // a weight's FP8 cast: no kind's (StepTiming::weight_cast_device_ns)
};

struct StepTiming {
  int64_t wall_ns = 0;                         // begin_step to end_step
  double untimed_flops = 0;                    // counted outside every op (none: each GEMM runs inside its op)
  std::array<int64_t, kOpKindCount> kind_ns{};  // sum of the step's ops' durations per kind (optimizer included)
  std::array<double, kOpKindCount> kind_flops{};  // sum of the step's ops' matrix FLOPs per kind
  // Sum of the step's ops' device times per kind: an op's own kernels in its kind, its activations' FP8 casts in
  // quantize (DeviceWork); its weights' casts in weight_cast_device_ns.
  std::array<int64_t, kOpKindCount> kind_device_ns{};
  int64_t weight_cast_device_ns = 0;
  int64_t untimed_device_ns = 0;  // device time measured outside every op
  // Calls whose kernels the host took longer to queue than the stream was held (count_call_past_hold): their device
  // times hold host time, and so does the step's.
  int device_calls_past_hold = 0;
  std::vector<TimedOp> ops;                     // in the order they ran (one thread: sequential)
};

// Records the ops of each step. Ops nested inside a timed op are not recorded (no time counted twice).
class OpTimer {
 public:
  using Clock = std::chrono::steady_clock;

  void begin_step();
  void end_step();  // appends the step to steps()
  const std::vector<StepTiming>& steps() const { return steps_; }

  Pass pass = Pass::kForward;
  int layer = kNoLayer;

  // Used by OpScope.
  bool enter(OpKind kind, std::string_view name) {
    if (depth_ == 0) running_ = RunningOp{kind, name};
    return depth_++ == 0;
  }
  void leave(std::string_view name, OpKind kind, Clock::time_point start, Clock::time_point end);
  // Used by count_flops: into the op running now (the outermost), else into the step's untimed_flops.
  void add_flops(double flops);
  // Used by count_device_time: into the op running now (the outermost), else into the step's untimed_device_ns.
  void add_device_ns(int64_t ns, DeviceWork work);
  // Used by count_call_past_hold.
  void add_call_past_hold() { ++current_.device_calls_past_hold; }

  // The outermost op running now, if any: its kind and name (a string literal at its call site). Work kept for later
  // (deferred_weight_gradients.h) is timed under the op that kept it.
  struct RunningOp {
    OpKind kind = OpKind::kAttentionCore;
    std::string_view name;
  };
  bool in_op() const { return depth_ > 0; }
  const RunningOp& running_op() const { return running_; }

 private:
  RunningOp running_;
  int depth_ = 0;
  double op_flops_ = 0;
  std::array<int64_t, 3> op_device_ns_{};  // by DeviceWork
  Clock::time_point step_start_{};
  StepTiming current_;
  std::vector<StepTiming> steps_;
};

// The recorder the ops on this thread report to; nullptr (the default) records nothing.
OpTimer* attached_op_timer();

// Adds `flops` of matrix arithmetic to the op running on this thread (nothing when no timer is attached): the
// GEMMs and the attention core call it, so that a test can hold the simulator's op catalog to what the model runs.
void count_flops(double flops);

// Adds `ns` of device time spent on `work` to the op running on this thread (nothing when no timer is attached): a
// device back-end calls it with what its kernels took, measured on the device (the CUDA back-end: events around
// its kernels).
void count_device_time(int64_t ns, DeviceWork work = DeviceWork::kKernels);

// Counts, in the step being timed on this thread, a call whose device time holds host time: a device back-end that
// holds its stream ahead of each call's kernels (kernels/common/stream_hold.cuh) calls it where the host took
// longer than the hold to queue them (a kernel's module loaded at its first launch, a cudaFree that waited).
void count_call_past_hold();

// Attaches `timer` (may be null) to this thread for the scope's life and sets its pass; restores the previous one.
class AttachOpTimer {
 public:
  AttachOpTimer(OpTimer* timer, Pass pass);
  ~AttachOpTimer();
  AttachOpTimer(const AttachOpTimer&) = delete;
  AttachOpTimer& operator=(const AttachOpTimer&) = delete;

 private:
  OpTimer* previous_;
  Pass previous_pass_ = Pass::kForward;
};

// Sets the attached timer's layer for the scope's life (nothing when none is attached).
class OpLayer {
 public:
  explicit OpLayer(int layer);
  ~OpLayer();
  OpLayer(const OpLayer&) = delete;
  OpLayer& operator=(const OpLayer&) = delete;

 private:
  OpTimer* timer_;
  int previous_ = kNoLayer;
};

// Times one op from construction to destruction; one pointer test when no timer is attached.
class OpScope {
 public:
  OpScope(OpKind kind, std::string_view name) : timer_(attached_op_timer()), kind_(kind), name_(name) {
    if (timer_ != nullptr) {
      record_ = timer_->enter(kind, name);
      start_ = OpTimer::Clock::now();
    }
  }
  ~OpScope() {
    if (timer_ != nullptr) timer_->leave(record_ ? name_ : std::string_view(), kind_, start_, OpTimer::Clock::now());
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  OpTimer* timer_;
  OpKind kind_;
  std::string_view name_;
  bool record_ = false;
  OpTimer::Clock::time_point start_{};
};

// Runs f() inside an OpScope and returns its result.
template <typename F>
auto timed(OpKind kind, std::string_view name, F&& f) {
  OpScope scope(kind, name);
  return std::forward<F>(f)();
}

}  // namespace trainsim::kernels::model
