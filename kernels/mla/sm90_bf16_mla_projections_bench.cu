// Benchmark of MLA's projections at DeepSeek-V3's training shapes (4096 and 8192 tokens): each GEMM through
// the MlaLinear in use (cuBLASLt BF16 until kernels/fp8 lands), the RMSNorms, RoPE with the q/k/v assembly,
// and the whole chain hidden -> q, k, v. Usage: mla_projections_bench [out.csv] [repetitions].
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "kernels/common/device_info.cuh"
#include "kernels/mla/mla_device_harness.cuh"
#include "kernels/mla/sm90_bf16_mla_projections.cuh"
#include "kernels/common/driver_args.h"

using namespace trainsim::kernels;

int main(int argc, char** argv) {
  try {
    // mla_projections_bench [--quick] [CSV [REPS]]: --quick times the first shape only.
    const DriverArgs cli = parse_driver_args(argc, argv);
    const bool quick = cli.quick;
    const std::string csv_path = cli.at(0, "");
    const int reps = std::atoi(cli.at(1, "20").c_str());
    std::printf("# MLA projections benchmark on %s, median of %d\n", describe(query_device()).c_str(), reps);
    BenchCsv csv(csv_path);
    const MlaDims d;
    struct Gemm {
      const char* op;
      int n, k;
    };
    const Gemm gemms[] = {{"q_down", d.q_lora, d.hidden},
                          {"q_up", d.heads * d.qk_dim(), d.q_lora},
                          {"kv_down", d.kv_down_dim(), d.hidden},
                          {"kv_up", d.heads * d.kv_up_dim(), d.kv_lora},
                          {"o_proj", d.hidden, d.heads * d.v_dim}};
    for (int tokens : quick ? std::vector<int>{4096} : std::vector<int>{4096, 8192}) {
      const size_t t = size_t(tokens);
      const std::string shape = "t" + std::to_string(tokens);
      std::vector<DeviceBuffer<__nv_bfloat16>> weights;
      std::vector<std::unique_ptr<MlaLinear>> layers;
      for (const Gemm& g : gemms) {
        weights.push_back(upload_bf16(random_bf16_values(size_t(g.n) * g.k, 7, 0.02f)));
        layers.push_back(make_cublaslt_bf16_linear(weights.back().get(), g.n, g.k));
        auto x = upload_bf16(random_bf16_values(t * g.k, 8));
        DeviceBuffer<__nv_bfloat16> y(t * g.n);
        MlaLinear* layer = layers.back().get();
        const double s = median_seconds([&] { layer->forward(x.get(), y.get(), tokens, nullptr); }, 3, reps);
        csv.add(std::string("gemm_") + g.op, layer->name(),
                shape + "_n" + std::to_string(g.n) + "_k" + std::to_string(g.k), s, 2.0 * t * g.n * g.k,
                2.0 * (t * g.k + double(g.n) * g.k + t * g.n));
      }
      auto gamma_q = upload_bf16(random_bf16_values(size_t(d.q_lora), 9)),
           gamma_kv = upload_bf16(random_bf16_values(size_t(d.kv_lora), 10));
      auto x = upload_bf16(random_bf16_values(t * d.hidden, 11));
      std::vector<int> pos(t);
      for (size_t i = 0; i < t; ++i) pos[i] = int(i % 4096);
      auto positions = upload_ints(pos);
      DeviceBuffer<__nv_bfloat16> qd(t * d.q_lora), cq(t * d.q_lora), q(t * d.heads * d.qk_dim()),
          kvd(t * d.kv_down_dim()), ckv(t * d.kv_lora), kvu(t * d.heads * d.kv_up_dim()), k(t * d.heads * d.qk_dim()),
          v(t * d.heads * d.v_dim);
      // The chain first: it fills the intermediate buffers the small kernels are then timed on.
      const MlaProjectionLayers chain{layers[0].get(), layers[1].get(), layers[2].get(),
                                      layers[3].get(), gamma_q.get(),   gamma_kv.get()};
      const MlaProjectionBuffers bufs{qd.get(), cq.get(), q.get(), kvd.get(), ckv.get(), kvu.get(), k.get(), v.get()};
      const double all =
          median_seconds([&] { mla_qkv_forward(d, chain, x.get(), tokens, positions.get(), bufs, nullptr); }, 3, reps);
      double chain_flops = 0, chain_bytes = 0;
      for (int i = 0; i < 4; ++i) {
        chain_flops += 2.0 * t * gemms[i].n * gemms[i].k;
        chain_bytes += 2.0 * (t * gemms[i].k + double(gemms[i].n) * gemms[i].k + t * gemms[i].n);
      }
      csv.add("qkv_chain", layers[0]->name(), shape, all, chain_flops, chain_bytes);

      const double norm_q = median_seconds(
          [&] { mla_rmsnorm(qd.get(), tokens, d.q_lora, d.q_lora, gamma_q.get(), 1e-6f, cq.get(), nullptr); }, 3, reps);
      csv.add("rmsnorm_q", "v1", shape + "_d1536", norm_q, 4.0 * t * d.q_lora, 4.0 * t * d.q_lora);
      const double norm_kv = median_seconds(
          [&] {
            mla_rmsnorm(kvd.get(), tokens, d.kv_lora, d.kv_down_dim(), gamma_kv.get(), 1e-6f, ckv.get(), nullptr);
          },
          3, reps);
      csv.add("rmsnorm_kv", "v1", shape + "_d512", norm_kv, 4.0 * t * d.kv_lora, 4.0 * t * d.kv_lora);
      const double rope = median_seconds(
          [&] {
            mla_rope_assemble(d, tokens, positions.get(), q.get(), kvu.get(), kvd.get(), k.get(), v.get(), nullptr);
          },
          3, reps);
      // Bytes: q rope dims read and written, kv_up read, k and v written, kv_down's rope dims read.
      const double rope_bytes =
          2.0 * t *
          (2.0 * d.heads * d.qk_rope + d.heads * d.kv_up_dim() + d.heads * (d.qk_dim() + d.v_dim) + d.qk_rope);
      csv.add("rope_assemble", "v1", shape, rope, 6.0 * t * d.heads * d.qk_rope, rope_bytes);
    }
    csv.write();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mla_projections_bench: error: %s\n", e.what());
    return 1;
  }
}
