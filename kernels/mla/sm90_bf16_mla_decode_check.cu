// Check driver of absorbed MLA decode on the GPU (no GoogleTest): fresh random BF16 queries and cached latent
// per case, poisoned outputs; versions 1 and 2, the 512-wide latent output and log-sum-exp against FP64.
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/mla/mla_decode_ref.h"
#include "kernels/mla/mla_device_harness.cuh"
#include "kernels/mla/mla_tolerances.h"
#include "kernels/mla/sm90_bf16_mla_decode.cuh"
#include "kernels/common/driver_args.h"

using namespace trainsim::kernels;

namespace {

void check_case(CheckLog& log, const std::string& name, const std::vector<int>& lengths, int heads, uint64_t seed) {
  const VarlenBatch cache = VarlenBatch::from_lengths(lengths);
  const int seqs = cache.sequences();
  const std::vector<double> q = random_bf16_values(size_t(seqs) * heads * 576, seed);
  const std::vector<double> rows = random_bf16_values(size_t(cache.total_tokens()) * 576, seed + 1);
  auto dq = upload_bf16(q), dc = upload_bf16(rows);
  auto cu = upload_ints(cache.cu_seqlens);
  DeviceBuffer<__nv_bfloat16> o(size_t(seqs) * heads * 512);
  DeviceBuffer<float> lse(size_t(seqs) * heads);
  const double scale = 1 / std::sqrt(192.0);
  const DecodeRef ref = decode_core_ref(cache, heads, 576, 512, scale, q, rows);
  for (DecodeKernel kernel : {DecodeKernel::kV1Fma, DecodeKernel::kV2MmaSync}) {
    const std::string v = kernel == DecodeKernel::kV1Fma ? " v1" : " v2 mma";
    o.poison();
    lse.poison();
    mla_decode(DecodeDeviceArgs{cu.get(), seqs, heads, float(scale)}, dq.get(), dc.get(), o.get(), lse.get(), nullptr,
               kernel);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    log.expect(name + " O latent" + v, download(o), ref.o, kBf16OutputRelL2);
    log.expect(name + " LSE" + v, download(lse), ref.lse, kFp32OutputRelL2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bool quick = parse_driver_args(argc, argv).quick;
    std::printf("# MLA decode check on %s\n", describe(query_device()).c_str());
    CheckLog log;
    check_case(log, "cache {1,31,32,33,700} x 128 heads", {1, 31, 32, 33, 700}, 128, 401);
    check_case(log, "cache {4096,100} x 20 heads (partial head groups)", {4096, 100}, 20, 402);
    if (!quick) check_case(log, "cache 8 x 4096 x 16 heads", std::vector<int>(8, 4096), 16, 403);
    std::printf("%s: %d failure(s)\n", log.failures() ? "FAIL" : "PASS", log.failures());
    return log.failures() ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mla_decode_check: error: %s\n", e.what());
    return 1;
  }
}
