// Sends held for the next receive (paired_sends.h).
#include "kernels/model/paired_sends.h"

namespace trainsim::kernels::model {

std::vector<std::vector<double>> PairedSends::exchange(const std::vector<Message>& sends,
                                                       std::span<const int> receive_from) {
  held_.insert(held_.end(), sends.begin(), sends.end());
  if (receive_from.empty()) return {};
  std::vector<Message> posted;
  posted.swap(held_);
  return inner_.exchange(posted, receive_from);
}

void PairedSends::flush() {
  if (held_.empty()) return;
  std::vector<Message> posted;
  posted.swap(held_);
  inner_.exchange(posted, {});
}

std::vector<std::vector<double>> PairedSends::all_to_all(const std::vector<std::vector<double>>& send) {
  flush();
  return inner_.all_to_all(send);
}

void PairedSends::all_reduce_sum(std::span<double> values) {
  flush();
  inner_.all_reduce_sum(values);
}

std::unique_ptr<Communicator> PairedSends::split(int color, int key) {
  flush();
  return inner_.split(color, key);
}

}  // namespace trainsim::kernels::model
