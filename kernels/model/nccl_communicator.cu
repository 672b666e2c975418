// NCCL ranks on this machine's GPUs (nccl_communicator.h).
#include <nccl.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_buffer.cuh"
#include "kernels/model/nccl_communicator.h"

#define TS_NCCL_CHECK(call)                                                                                            \
  do {                                                                                                                 \
    ncclResult_t ts_status = (call);                                                                                   \
    if (ts_status != ncclSuccess)                                                                                      \
      throw std::runtime_error(std::string(#call) + " failed at " + __FILE__ + ":" + std::to_string(__LINE__) + ": " + \
                               ncclGetErrorString(ts_status));                                                         \
  } while (false)

namespace trainsim::kernels::model {
namespace {

class NcclCommunicator final : public Communicator {
 public:
  // owned: a split's communicator, destroyed with this object (run_ranks_on_gpus destroys the group's own).
  NcclCommunicator(ncclComm_t comm, int rank, int size, bool owned = false)
      : comm_(comm), rank_(rank), size_(size), owned_(owned) {
    TS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~NcclCommunicator() override {
    cudaStreamDestroy(stream_);
    if (owned_) ncclCommDestroy(comm_);
  }
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  // NCCL's all-to-all is grouped sends and receives: one exchange with every rank.
  std::vector<std::vector<double>> all_to_all(const std::vector<std::vector<double>>& send) override {
    if (int(send.size()) != size_) throw std::invalid_argument("all_to_all: one message per rank");
    std::vector<Message> sends;
    std::vector<int> peers;
    for (int p = 0; p < size_; ++p) {
      sends.push_back(Message{p, send[p]});
      peers.push_back(p);
    }
    return exchange(sends, peers);
  }

  void all_reduce_sum(std::span<double> values) override {
    DeviceBuffer<double> device(std::vector<double>(values.begin(), values.end()));
    TS_NCCL_CHECK(ncclAllReduce(device.get(), device.get(), values.size(), ncclFloat64, ncclSum, comm_, stream_));
    TS_CUDA_CHECK(cudaStreamSynchronize(stream_));
    TS_CUDA_CHECK(cudaMemcpy(values.data(), device.get(), values.size_bytes(), cudaMemcpyDeviceToHost));
  }

  // Two groups: the lengths, then the data, so each receive is sized before its data arrives. NCCL matches a pair's
  // sends and receives in issue order, so each message's length pairs with its length and its data with its data.
  std::vector<std::vector<double>> exchange(const std::vector<Message>& sends,
                                            std::span<const int> receive_from) override {
    std::vector<int64_t> lengths_to;
    for (const Message& message : sends) lengths_to.push_back(int64_t(message.values.size()));
    DeviceBuffer<int64_t> lengths_to_device(lengths_to), lengths_from_device{receive_from.size()};
    TS_NCCL_CHECK(ncclGroupStart());
    for (size_t i = 0; i < sends.size(); ++i)
      TS_NCCL_CHECK(ncclSend(lengths_to_device.get() + i, 1, ncclInt64, sends[i].peer, comm_, stream_));
    for (size_t i = 0; i < receive_from.size(); ++i)
      TS_NCCL_CHECK(ncclRecv(lengths_from_device.get() + i, 1, ncclInt64, receive_from[i], comm_, stream_));
    TS_NCCL_CHECK(ncclGroupEnd());
    TS_CUDA_CHECK(cudaStreamSynchronize(stream_));
    const std::vector<int64_t> lengths_from =
        receive_from.empty() ? std::vector<int64_t>() : lengths_from_device.download();

    std::vector<DeviceBuffer<double>> outgoing, incoming;
    for (const Message& message : sends) outgoing.emplace_back(message.values);
    for (int64_t length : lengths_from) incoming.emplace_back(size_t(length));
    TS_NCCL_CHECK(ncclGroupStart());
    for (size_t i = 0; i < sends.size(); ++i)
      if (!sends[i].values.empty())
        TS_NCCL_CHECK(ncclSend(outgoing[i].get(), sends[i].values.size(), ncclFloat64, sends[i].peer, comm_, stream_));
    for (size_t i = 0; i < receive_from.size(); ++i)
      if (lengths_from[i] > 0)
        TS_NCCL_CHECK(
            ncclRecv(incoming[i].get(), size_t(lengths_from[i]), ncclFloat64, receive_from[i], comm_, stream_));
    TS_NCCL_CHECK(ncclGroupEnd());
    TS_CUDA_CHECK(cudaStreamSynchronize(stream_));
    std::vector<std::vector<double>> received;
    for (size_t i = 0; i < receive_from.size(); ++i) {
      received.push_back(incoming[i].download());
      received.back().resize(size_t(lengths_from[i]));
    }
    return received;
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    ncclComm_t child = nullptr;
    TS_NCCL_CHECK(ncclCommSplit(comm_, color, key, &child, nullptr));
    int rank = 0, size = 0;
    TS_NCCL_CHECK(ncclCommUserRank(child, &rank));
    TS_NCCL_CHECK(ncclCommCount(child, &size));
    return std::make_unique<NcclCommunicator>(child, rank, size, true);
  }

 private:
  ncclComm_t comm_;
  int rank_, size_;
  bool owned_;
  cudaStream_t stream_ = nullptr;
};

}  // namespace

void run_ranks_on_gpus(int ranks, const std::function<void(Communicator&)>& rank_main) {
  int devices = 0;
  TS_CUDA_CHECK(cudaGetDeviceCount(&devices));
  if (ranks < 1 || ranks > devices)
    throw std::invalid_argument("run_ranks_on_gpus: " + std::to_string(ranks) + " ranks, " + std::to_string(devices) +
                                " GPUs visible");
  std::vector<ncclComm_t> comms(ranks);
  std::vector<int> device_ids(ranks);
  std::iota(device_ids.begin(), device_ids.end(), 0);
  TS_NCCL_CHECK(ncclCommInitAll(comms.data(), ranks, device_ids.data()));
  std::vector<std::exception_ptr> failures(ranks);
  std::once_flag abort_once;
  int first_failure = -1;  // the rank whose own error aborted the group; the others' errors follow from it
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      try {
        TS_CUDA_CHECK(cudaSetDevice(r));
        NcclCommunicator communicator(comms[r], r, ranks);
        rank_main(communicator);
      } catch (...) {
        failures[r] = std::current_exception();
        std::call_once(abort_once, [&] {  // unblocks the ranks waiting in NCCL for this one
          first_failure = r;
          for (ncclComm_t comm : comms) ncclCommAbort(comm);
        });
      }
    });
  for (std::thread& t : threads) t.join();
  if (first_failure >= 0) std::rethrow_exception(failures[first_failure]);
  for (ncclComm_t comm : comms) ncclCommDestroy(comm);
}

}  // namespace trainsim::kernels::model
