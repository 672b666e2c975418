// GPU check of the MoE kernels against their CPU references: fresh random inputs (seed printed), outputs
// poisoned before each run, selection and layouts exact, values by relative error against FP64.
// Prints one line per check; returns 1 if any fails, 77 without a GPU. No GoogleTest: it runs on the bare GPU
// machine.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/driver_args.h"
#include "kernels/common/device_info.cuh"
#include "kernels/common/random_fill.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/grouped_gemm_ref.h"
#include "kernels/moe/moe_check_harness.cuh"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/router_ref.h"
#include "kernels/moe/sm90_bf16_grouped_gemm.h"
#include "kernels/moe/sm90_bf16_permute.h"
#include "kernels/moe/sm90_fp32_router.h"

namespace trainsim::kernels {
namespace {

using namespace moe_harness;

// The smallest gap between adjacent group scores and between adjacent keys among the top_k + 1 best experts of
// the kept groups: how close this token's selection is to a tie.
double ranking_margin(const RoutingRule& rule, const double* logits, const double* bias) {
  const int group_size = rule.num_experts / rule.num_groups;
  std::vector<double> keys(rule.num_experts), group_scores;
  for (int e = 0; e < rule.num_experts; ++e) keys[e] = selection_key(rule, logits, bias, e);
  for (int g = 0; g < rule.num_groups; ++g) {
    std::vector<double> members(keys.begin() + g * group_size, keys.begin() + (g + 1) * group_size);
    std::sort(members.rbegin(), members.rend());
    group_scores.push_back(group_size >= 2 ? members[0] + members[1] : members[0]);
  }
  std::vector<double> sorted_groups = group_scores;
  std::sort(sorted_groups.rbegin(), sorted_groups.rend());
  double margin = INFINITY;
  for (size_t i = 0; i + 1 < sorted_groups.size() && rule.top_k_groups < rule.num_groups; ++i)
    margin = std::min(margin, sorted_groups[i] - sorted_groups[i + 1]);
  const double kept_threshold = sorted_groups[rule.top_k_groups - 1];
  std::vector<double> candidates;
  for (int e = 0; e < rule.num_experts; ++e)
    if (group_scores[e / group_size] >= kept_threshold) candidates.push_back(keys[e]);
  std::sort(candidates.rbegin(), candidates.rend());
  for (size_t i = 0; i + 1 < candidates.size() && i < size_t(rule.top_k); ++i)
    margin = std::min(margin, candidates[i] - candidates[i + 1]);
  return margin;
}

void check_router(const RoutingRule& rule, const std::string& name, int tokens, uint64_t seed) {
  std::vector<float> logits(static_cast<size_t>(tokens) * rule.num_experts), bias(rule.num_experts);
  fill_normal(logits, seed);
  fill_normal(bias, seed + 1, rule.scoring == RouterScoring::kSigmoid ? 0.01f : 0.0f);
  DeviceBuffer<float> d_logits(logits.size()), d_bias(bias.size()), d_gates(static_cast<size_t>(tokens) * rule.top_k);
  DeviceBuffer<int> d_ids(static_cast<size_t>(tokens) * rule.top_k);
  d_logits.upload(logits), d_bias.upload(bias);
  launch_sm90_fp32_router(rule, d_logits.get(), d_bias.get(), tokens, d_ids.get(), d_gates.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());
  const auto ids = d_ids.download();
  const auto gates = d_gates.download();
  // The FP32 reference selects with the device's arithmetic; FP64 gives the gates' error.
  std::vector<int> ref_ids(ids.size());
  std::vector<float> ref_gates_f(ids.size());
  router_ref(rule, logits, bias, ref_ids, ref_gates_f);
  std::vector<double> logits_d(logits.begin(), logits.end()), bias_d(bias.begin(), bias.end()), ref_gates(ids.size());
  std::vector<int> ref_ids_d(ids.size());
  router_ref(rule, logits_d, bias_d, ref_ids_d, ref_gates);
  int differing_tokens = 0, unexplained = 0;
  std::vector<float> gates_same;
  std::vector<double> ref_same;
  for (int t = 0; t < tokens; ++t) {
    const size_t base = static_cast<size_t>(t) * rule.top_k;
    if (std::equal(ids.begin() + base, ids.begin() + base + rule.top_k, ref_ids.begin() + base)) {
      if (std::equal(ids.begin() + base, ids.begin() + base + rule.top_k, ref_ids_d.begin() + base))
        for (int k = 0; k < rule.top_k; ++k) gates_same.push_back(gates[base + k]), ref_same.push_back(ref_gates[base + k]);
      continue;
    }
    ++differing_tokens;
    // NOTE: device expf may differ from the host's by an ulp, so a token may differ only where its ranking has
    // a near-tie: two group scores or two of its top_k + 1 candidate keys within 1e-5 (in FP64).
    if (ranking_margin(rule, logits_d.data() + size_t(t) * rule.num_experts, bias_d.data()) >= 1e-5) ++unexplained;
  }
  const ErrorMetrics m = compare(gates_same, ref_same);
  char detail[200];
  std::snprintf(detail, sizeof detail, "%d tokens, %d differ from FP32 ref (%d without a near-tie); gates %s", tokens,
                differing_tokens, unexplained, error_text(m).c_str());
  report("router " + name, unexplained == 0 && m.relative_l2 < 1e-5 && m.non_finite == 0, detail);
}

void check_permute(const std::string& name, const std::vector<int>& ids, int top_k, int experts, int hidden, uint64_t seed) {
  const int tokens = static_cast<int>(ids.size()) / top_k;
  const ExpertLayout ref = plan_expert_layout(ids, top_k, experts);
  const int max_rows = max_layout_rows(tokens, top_k, experts, kExpertRowAlign);
  DeviceBuffer<int> d_ids(ids.size()), chunk(static_cast<size_t>(layout_chunks(tokens, top_k)) * experts),
      counts(experts), offsets(experts + 1), row_of(ids.size()), slot_of(max_rows);
  d_ids.upload(ids);
  const DeviceExpertLayout layout{experts, top_k, kExpertRowAlign, tokens, chunk.get(), counts.get(), offsets.get(), row_of.get(), slot_of.get()};
  launch_sm90_plan_layout(d_ids.get(), layout, nullptr);
  std::vector<float> x_exact, gates(ids.size());
  const auto x = random_bf16(static_cast<size_t>(tokens) * hidden, seed, x_exact);
  fill_uniform(gates, seed + 1, 0.0f, 1.0f);
  DeviceBuffer<bf16> d_x(x.size()), d_perm(static_cast<size_t>(max_rows) * hidden), d_back(ids.size() * hidden);
  DeviceBuffer<float> d_gates(gates.size()), d_out(static_cast<size_t>(tokens) * hidden);
  d_x.upload(x), d_gates.upload(gates);
  launch_sm90_bf16_permute(layout, d_x.get(), hidden, d_perm.get(), nullptr);
  launch_sm90_bf16_unpermute(layout, d_perm.get(), hidden, d_back.get(), nullptr);
  launch_sm90_bf16_combine(layout, d_perm.get(), d_gates.get(), hidden, d_out.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());

  auto as64 = [](const std::vector<int>& v) { return std::vector<int64_t>(v.begin(), v.end()); };
  const auto off = offsets.download();
  const bool layout_ok = as64(counts.download()) == ref.counts && as64(off) == ref.offsets &&
                         as64(row_of.download()) == ref.row_of &&
                         std::equal(ref.slot_of.begin(), ref.slot_of.end(), slot_of.download().begin(),
                                    [](int64_t a, int b) { return a == b; });
  std::vector<float> perm_ref(static_cast<size_t>(ref.total_rows()) * hidden), back_ref(ids.size() * hidden);
  permute_ref(ref, x_exact, hidden, perm_ref);
  unpermute_ref(ref, perm_ref, hidden, back_ref);
  auto perm = to_float(d_perm.download());
  perm.resize(perm_ref.size());
  const bool perm_ok = std::memcmp(perm.data(), perm_ref.data(), perm.size() * sizeof(float)) == 0;
  const auto back = to_float(d_back.download());
  const bool back_ok = std::memcmp(back.data(), back_ref.data(), back.size() * sizeof(float)) == 0;
  std::vector<double> out_ref(static_cast<size_t>(tokens) * hidden);
  combine_ref(ref, perm_ref, gates, hidden, out_ref);
  const ErrorMetrics m = compare(d_out.download(), out_ref);
  char detail[220];
  std::snprintf(detail, sizeof detail, "layout %s, permute %s, unpermute %s (exact); combine %s; rows %lld, MaxVio %.2f",
                layout_ok ? "ok" : "WRONG", perm_ok ? "ok" : "WRONG", back_ok ? "ok" : "WRONG", error_text(m).c_str(),
                static_cast<long long>(ref.total_rows()), max_vio(ref.counts));
  report("permute " + name, layout_ok && perm_ok && back_ok && m.relative_l2 < 1e-6 && m.non_finite == 0, detail);
}

// One grouped problem: loads per expert (padded to 128), n, k; all three GEMMs and the SwiGLU forward.
void check_grouped_gemm(const std::string& name, const std::vector<int64_t>& loads, int n, int k, uint64_t seed) {
  const int experts = static_cast<int>(loads.size());
  std::vector<int64_t> offsets{0};
  for (int64_t l : loads)
    offsets.push_back(experts == 1 ? l : offsets.back() + (l + kExpertRowAlign - 1) / kExpertRowAlign * kExpertRowAlign);
  const int64_t rows = offsets.back();
  std::vector<float> a_f, dd_f, w_f;
  auto a = random_bf16(static_cast<size_t>(rows) * k, seed, a_f);
  auto dd = random_bf16(static_cast<size_t>(rows) * n, seed + 1, dd_f);
  const auto w = random_bf16(static_cast<size_t>(experts) * n * k, seed + 2, w_f, 0.05f);
  for (int e = 0; e < experts; ++e)  // zero padding rows, as permute writes them
    for (int64_t r = offsets[e] + loads[e]; r < offsets[e + 1]; ++r) {
      std::fill_n(a.begin() + r * k, k, __float2bfloat16(0.0f)), std::fill_n(a_f.begin() + r * k, k, 0.0f);
      std::fill_n(dd.begin() + r * n, n, __float2bfloat16(0.0f)), std::fill_n(dd_f.begin() + r * n, n, 0.0f);
    }
  std::vector<int> offsets_i(offsets.begin(), offsets.end());
  DeviceBuffer<int> d_offsets(offsets_i.size());
  DeviceBuffer<bf16> d_a(a.size()), d_dd(dd.size()), d_w(w.size()), d_act(static_cast<size_t>(rows) * n / 2),
      d_d16(static_cast<size_t>(rows) * n);
  DeviceBuffer<float> d_d(static_cast<size_t>(rows) * n), d_da(static_cast<size_t>(rows) * k), d_dw(w.size());
  d_offsets.upload(offsets_i), d_a.upload(a), d_dd.upload(dd), d_w.upload(w);
  const GroupedGemmShape shape{experts, d_offsets.get(), static_cast<int>(rows), n, k};
  launch_sm90_bf16_grouped_gemm_fprop(shape, d_a.get(), d_w.get(), d_d.get(), nullptr);
  launch_sm90_bf16_grouped_gemm_fprop(shape, d_a.get(), d_w.get(), d_d16.get(), nullptr);
  launch_sm90_bf16_grouped_swiglu_fprop(shape, d_a.get(), d_w.get(), d_act.get(), nullptr);
  launch_sm90_bf16_grouped_gemm_dgrad(shape, d_dd.get(), d_w.get(), d_da.get(), nullptr);
  launch_sm90_bf16_grouped_gemm_wgrad(shape, d_dd.get(), d_a.get(), d_dw.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<double> d_ref(static_cast<size_t>(rows) * n), act_ref(static_cast<size_t>(rows) * n / 2),
      da_ref(static_cast<size_t>(rows) * k), dw_ref(w.size());
  grouped_gemm_fprop_ref(offsets, a_f, w_f, n, k, d_ref);
  swiglu_ref(d_ref, rows, n / 2, act_ref);
  grouped_gemm_dgrad_ref(offsets, dd_f, w_f, n, k, da_ref);
  grouped_gemm_wgrad_ref(offsets, dd_f, a_f, n, k, dw_ref);
  // Bounds: BF16 inputs are exact, FP32 accumulation of K products lands near 1e-6; a BF16 output adds its
  // rounding (2^-9 relative at most, about 2e-3 in L2).
  const struct { const char* what; ErrorMetrics m; double bound; } results[] = {
      {"fprop fp32-out", compare(d_d.download(), d_ref), 1e-5},
      {"fprop bf16-out", compare(to_float(d_d16.download()), d_ref), 5e-3},
      {"swiglu bf16-out", compare(to_float(d_act.download()), act_ref), 5e-3},
      {"dgrad fp32-out", compare(d_da.download(), da_ref), 1e-5},
      {"wgrad fp32-out", compare(d_dw.download(), dw_ref), 1e-5},
  };
  for (const auto& r : results)
    report("grouped " + name + " " + r.what, r.m.relative_l2 < r.bound && r.m.non_finite == 0, error_text(r.m));
}

// quick: the DeepSeek-V3 router and permute on 1024 tokens, not 4096; the rest unchanged (they are small).
int run(bool quick) {
  if (!device_present("moe_check")) return kSkipped;
  std::printf("# MoE kernel checks on %s\n", describe(query_device()).c_str());
  const uint64_t seed = std::random_device{}();
  std::printf("# seed %llu\n", static_cast<unsigned long long>(seed));
  const int tokens = quick ? 1024 : 4096;
  check_router(kDeepSeekV3Routing, "deepseek-v3 (256e, 8 groups keep 4, top 8)", tokens, seed);
  check_router(kMixtralRouting, "mixtral (8e softmax top 2)", tokens, seed + 10);

  // Permute on a real routing of `tokens` tokens over 256 experts, and on skewed / partial local layouts.
  {
    std::vector<float> logits(size_t(tokens) * 256);
    fill_normal(logits, seed + 20);
    std::vector<int> ids(size_t(tokens) * 8);
    std::vector<float> gates(ids.size());
    router_ref(kDeepSeekV3Routing, logits, {}, ids, gates);
    check_permute("routed " + std::to_string(tokens) + " x top-8 over 256", ids, 8, 256, 1024, seed + 21);
    std::vector<int> local = ids;  // EP: this GPU holds experts 0..31; the others belong elsewhere
    for (int& id : local) id = id < 32 ? id : -1;
    check_permute("EP-local 32 of 256", local, 8, 32, 1024, seed + 22);
  }
  for (double v : {0.5, 2.0}) {
    const auto loads = skewed_loads(32, 2048 * 8, v, seed + 30);
    check_permute("skewed MaxVio " + std::to_string(v).substr(0, 3), ids_for_loads(loads, 2048, 8, seed + 31), 8, 32, 512, seed + 32);
  }
  check_permute("empty experts and a hot one", ids_for_loads(std::vector<int64_t>{0, 40, 2000, 0, 8}, 512, 4, seed + 40), 4, 5, 256, seed + 41);

  check_grouped_gemm("ragged (0, 300, 1000, 37, 129 rows) n384 k520", {0, 300, 1000, 37, 129}, 384, 520, seed + 50);
  check_grouped_gemm("skewed MaxVio 2 over 4 n256 k256", skewed_loads(4, 2048, 2.0, seed + 60), 256, 256, seed + 61);
  check_grouped_gemm("shared expert (1 group, 1000 rows) n512 k384", {1000}, 512, 384, seed + 70);
  std::printf("# %d failure(s)\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  try {
    return trainsim::kernels::run(trainsim::kernels::parse_driver_args(argc, argv).quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_check: error: %s\n", e.what());
    return 1;
  }
}
