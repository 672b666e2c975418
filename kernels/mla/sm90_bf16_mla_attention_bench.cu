// Benchmark of the MLA attention core at DeepSeek-V3's training shapes (4096 tokens per sequence, 128 heads,
// qk 192, v 128, batch 1 and 2): forward and backward time and TFLOPS (causal FLOPs, mla_problem.h).
// Usage: mla_attention_bench [out.csv] [repetitions]. The PyTorch peer is mla_sdpa_peer.py, same CSV columns.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "kernels/common/device_info.cuh"
#include "kernels/mla/mla_device_harness.cuh"
#include "kernels/mla/mla_problem.h"
#include "kernels/mla/sm90_bf16_mla_attention.cuh"
#include "kernels/common/driver_args.h"

using namespace trainsim::kernels;

int main(int argc, char** argv) {
  try {
    // mla_attention_bench [--quick] [CSV [REPS]]: --quick times the first shape only.
    const DriverArgs cli = parse_driver_args(argc, argv);
    const bool quick = cli.quick;
    const std::string csv_path = cli.at(0, "");
    const int reps = std::atoi(cli.at(1, "5").c_str());
    std::printf("# MLA attention benchmark on %s, median of %d\n", describe(query_device()).c_str(), reps);
    BenchCsv csv(csv_path);
    for (int batch : quick ? std::vector<int>{1} : std::vector<int>{1, 2}) {
      const AttentionShape shape{VarlenBatch::uniform(batch, 4096), 128, 192, 128};
      const size_t rows = size_t(shape.batch.total_tokens()) * shape.heads;
      auto q = upload_bf16(random_bf16_values(rows * 192, 1)), k = upload_bf16(random_bf16_values(rows * 192, 2));
      auto v = upload_bf16(random_bf16_values(rows * 128, 3)), d_o = upload_bf16(random_bf16_values(rows * 128, 4));
      auto cu = upload_ints(shape.batch.cu_seqlens);
      DeviceBuffer<__nv_bfloat16> o(rows * 128), dq(rows * 192), dk(rows * 192), dv(rows * 128);
      DeviceBuffer<float> lse(rows), delta(rows);
      const AttentionDeviceArgs args{cu.get(), batch, 4096, shape.batch.total_tokens(), 128, 192, 128, 0};
      const std::string name = "b" + std::to_string(batch) + "_s4096_h128_qk192_v128";
      const double fwd = median_seconds(
          [&] { mla_attention_forward(args, q.get(), k.get(), v.get(), o.get(), lse.get(), nullptr); }, 1, reps);
      csv.add("attention_forward", "v1-fma", name, fwd, attention_forward_flops(shape), attention_forward_bytes(shape));
      const double fwd2 = median_seconds(
          [&] {
            mla_attention_forward(args, q.get(), k.get(), v.get(), o.get(), lse.get(), nullptr,
                                  AttentionKernel::kV2MmaSync);
          },
          2, 4 * reps);
      csv.add("attention_forward", "v2-mma", name, fwd2, attention_forward_flops(shape),
              attention_forward_bytes(shape));
      const double bwd = median_seconds(
          [&] {
            mla_attention_backward(args, q.get(), k.get(), v.get(), o.get(), lse.get(), d_o.get(), delta.get(),
                                   dq.get(), dk.get(), dv.get(), nullptr);
          },
          1, reps);
      csv.add("attention_backward", "v1-fma", name, bwd, attention_backward_flops(shape),
              attention_backward_bytes(shape));
      const double bwd2 = median_seconds(
          [&] {
            mla_attention_backward(args, q.get(), k.get(), v.get(), o.get(), lse.get(), d_o.get(), delta.get(),
                                   dq.get(), dk.get(), dv.get(), nullptr, AttentionKernel::kV2MmaSync);
          },
          2, 4 * reps);
      csv.add("attention_backward", "v2-mma", name, bwd2, attention_backward_flops(shape),
              attention_backward_bytes(shape));
    }
    csv.write();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mla_attention_bench: error: %s\n", e.what());
    return 1;
  }
}
