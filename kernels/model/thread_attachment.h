// What the model's layers find on their thread instead of taking it as a parameter through every call: the compute
// back-end (compute_backend.h), the expert-parallel group (expert_parallel_moe.h) and the weight gradients a split
// backward keeps (deferred_weight_gradients.h). The model attaches each from its RunOptions around its passes, as it
// attaches the op timer (op_timer.h, which also sets the pass), and the layers read it where they need it.
#pragma once

namespace trainsim::kernels::model {

// Attaches `value` (may be null) to this thread for the scope's life and restores the previous one when it goes:
// one attachment per type T, nested scopes stacking.
template <class T>
class ThreadAttachment {
 public:
  explicit ThreadAttachment(T* value) : previous_(attached_) { attached_ = value; }
  ~ThreadAttachment() { attached_ = previous_; }
  ThreadAttachment(const ThreadAttachment&) = delete;
  ThreadAttachment& operator=(const ThreadAttachment&) = delete;

  // The innermost attached on this thread; nullptr where none is.
  static T* attached() { return attached_; }

 private:
  static inline thread_local T* attached_ = nullptr;
  T* previous_;
};

}  // namespace trainsim::kernels::model
