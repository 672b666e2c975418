// Benchmark of absorbed MLA decode (qk 576, v 512, cache 4096 tokens per sequence) beside FlashMLA's published
// H800 figures (3000 GB/s memory-bound, 660 TFLOPS compute-bound; docs/sources.md#flashmla): 16 heads is the
// memory-bound case (few heads share each cached row), 128 heads the compute-bound one.
// Usage: mla_decode_bench [out.csv] [repetitions].
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "kernels/common/device_info.cuh"
#include "kernels/mla/mla_device_harness.cuh"
#include "kernels/mla/mla_problem.h"
#include "kernels/mla/sm90_bf16_mla_decode.cuh"
#include "kernels/common/driver_args.h"

using namespace trainsim::kernels;

int main(int argc, char** argv) {
  try {
    // mla_decode_bench [--quick] [CSV [REPS]]: --quick times the first shape only.
    const DriverArgs cli = parse_driver_args(argc, argv);
    const bool quick = cli.quick;
    const std::string csv_path = cli.at(0, "");
    const int reps = std::atoi(cli.at(1, "20").c_str());
    std::printf("# MLA decode benchmark on %s, median of %d\n", describe(query_device()).c_str(), reps);
    BenchCsv csv(csv_path);
    for (int seqs : quick ? std::vector<int>{64} : std::vector<int>{64, 128})
      for (int heads : {16, 128}) {
        const VarlenBatch cache = VarlenBatch::uniform(seqs, 4096);
        auto q = upload_bf16(random_bf16_values(size_t(seqs) * heads * 576, 5));
        auto rows = upload_bf16(random_bf16_values(size_t(cache.total_tokens()) * 576, 6));
        auto cu = upload_ints(cache.cu_seqlens);
        DeviceBuffer<__nv_bfloat16> o(size_t(seqs) * heads * 512);
        DeviceBuffer<float> lse(size_t(seqs) * heads);
        const DecodeDeviceArgs args{cu.get(), seqs, heads, 0};
        const std::string shape = "b" + std::to_string(seqs) + "_s4096_h" + std::to_string(heads) + "_d576_dv512";
        for (DecodeKernel kernel : {DecodeKernel::kV1Fma, DecodeKernel::kV2MmaSync}) {
          const double t = median_seconds(
              [&] { mla_decode(args, q.get(), rows.get(), o.get(), lse.get(), nullptr, kernel); }, 2, reps);
          csv.add("decode", kernel == DecodeKernel::kV1Fma ? "v1-fma" : "v2-mma", shape, t,
                  decode_flops(cache, heads, 576, 512), decode_bytes(cache, heads, 576, 512));
        }
      }
    csv.write();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mla_decode_bench: error: %s\n", e.what());
    return 1;
  }
}
