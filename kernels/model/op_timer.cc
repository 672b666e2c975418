// OpTimer's bookkeeping (op_timer.h): a thread-local attached recorder, per-step sums per op kind.
#include "kernels/model/op_timer.h"

#include <stdexcept>

namespace trainsim::kernels::model {

namespace {
thread_local OpTimer* attached = nullptr;
}  // namespace

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kAttentionCore: return "attention_core";
    case OpKind::kProjection: return "projection";
    case OpKind::kMlpGemm: return "mlp_gemm";
    case OpKind::kExpertGemm: return "expert_gemm";
    case OpKind::kRouter: return "router";
    case OpKind::kPermute: return "permute";
    case OpKind::kNormElementwise: return "norm_elementwise";
    case OpKind::kQuantize: return "quantize";
    case OpKind::kEmbeddingHead: return "embedding_head";
    case OpKind::kOptimizer: return "optimizer";
  }
  throw std::invalid_argument("op_kind_name: unknown kind");
}

std::string_view pass_name(Pass pass) {
  switch (pass) {
    case Pass::kForward: return "F";
    case Pass::kBackward: return "B";
    case Pass::kOptimizer: return "O";
  }
  throw std::invalid_argument("pass_name: unknown pass");
}

void OpTimer::begin_step() {
  current_ = StepTiming{};
  depth_ = 0;
  op_flops_ = 0;
  op_device_ns_ = {};
  step_start_ = Clock::now();
}

void OpTimer::end_step() {
  current_.wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - step_start_).count();
  steps_.push_back(std::move(current_));
  current_ = StepTiming{};
}

void OpTimer::leave(std::string_view name, OpKind kind, Clock::time_point start, Clock::time_point end) {
  --depth_;
  if (depth_ != 0) return;  // a nested op: its time is its parent's
  using std::chrono::duration_cast, std::chrono::nanoseconds;
  const auto [kernels_ns, activation_casts_ns, weight_casts_ns] = op_device_ns_;
  const TimedOp op{name,
                   kind,
                   pass,
                   layer,
                   duration_cast<nanoseconds>(start - step_start_).count(),
                   duration_cast<nanoseconds>(end - start).count(),
                   op_flops_,
                   kernels_ns + activation_casts_ns + weight_casts_ns,
                   activation_casts_ns,
                   weight_casts_ns};
  op_flops_ = 0;
  op_device_ns_ = {};
  current_.kind_ns[static_cast<int>(kind)] += op.duration_ns;
  current_.kind_flops[static_cast<int>(kind)] += op.flops;
  current_.kind_device_ns[static_cast<int>(kind)] += kernels_ns;
  current_.kind_device_ns[static_cast<int>(OpKind::kQuantize)] += activation_casts_ns;
  current_.weight_cast_device_ns += weight_casts_ns;
  current_.ops.push_back(op);
}

void OpTimer::add_flops(double flops) {
  if (depth_ > 0)
    op_flops_ += flops;
  else
    current_.untimed_flops += flops;
}

void OpTimer::add_device_ns(int64_t ns, DeviceWork work) {
  if (depth_ > 0)
    op_device_ns_[static_cast<std::size_t>(work)] += ns;
  else
    current_.untimed_device_ns += ns;
}

OpTimer* attached_op_timer() { return attached; }

void count_device_time(int64_t ns, DeviceWork work) {
  if (attached != nullptr) attached->add_device_ns(ns, work);
}

void count_call_past_hold() {
  if (attached != nullptr) attached->add_call_past_hold();
}

void count_flops(double flops) {
  if (attached != nullptr) attached->add_flops(flops);
}

AttachOpTimer::AttachOpTimer(OpTimer* timer, Pass pass) : previous_(attached) {
  attached = timer;
  if (timer != nullptr) {
    previous_pass_ = timer->pass;
    timer->pass = pass;
  }
}

AttachOpTimer::~AttachOpTimer() {
  if (attached != nullptr) attached->pass = previous_pass_;
  attached = previous_;
}

OpLayer::OpLayer(int layer) : timer_(attached) {
  if (timer_ != nullptr) {
    previous_ = timer_->layer;
    timer_->layer = layer;
  }
}

OpLayer::~OpLayer() {
  if (timer_ != nullptr) timer_->layer = previous_;
}

}  // namespace trainsim::kernels::model
