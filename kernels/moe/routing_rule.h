// The MoE routing rule, written once: expert scores, group-limited top-k selection and gates. Shared by the
// router kernel (device), its CPU reference and the simulator's router model in models/. Header-only, no CUDA,
// no third party. Semantics: DeepSeek-V3 tech report (arXiv 2412.19437) section 2.1.2 and its HuggingFace
// config (sigmoid, noaux_tc, n_group 8, topk_group 4, top 8, norm_topk_prob, routed_scaling_factor 2.5);
// Mixtral's softmax top-2.
//
// The rule, for one token with router logits l[e] and a per-expert selection bias b[e] (may be absent = 0):
//   score[e] = sigmoid(l[e])                        (kSigmoid)        affinity, used for the gates
//   key[e]   = score[e] + b[e]                      (kSigmoid)        used for selection only
//   key[e]   = l[e] + b[e]                          (kSoftmax)        ranking logits = ranking probabilities,
//                                                                     without ties that rounding would create
//   group g (experts g*E/G ... (g+1)*E/G-1) scores the sum of its two best keys (its best key when it holds one);
//   the top_k_groups groups are kept; the top_k experts by key among the kept groups are selected, in rank order.
//   Experts of groups not kept are never selected (the -inf mask of DeepSeek's inference code, not HF's 0.0).
//   gate[i]  = score[id_i] (kSigmoid) or softmax over all logits (kSoftmax), without the bias;
//              then gate[i] *= routed_scaling / sum of the selected gates when normalize_gates (no epsilon:
//              scores are > 0), else gate[i] *= routed_scaling.
// Ties: an equal key (or group score) ranks the lower expert (or group) index first. Keys must be finite.
// Selection is exact and deterministic for given Real inputs: the same bits in give the same experts out.
#pragma once

#include <cmath>

#if defined(__CUDACC__)
#define TS_HOST_DEVICE __host__ __device__
#else
#define TS_HOST_DEVICE
#endif

namespace trainsim::kernels {

enum class RouterScoring { kSigmoid, kSoftmax };

struct RoutingRule {
  int num_experts = 256;     // routed experts (shared experts are not routed)
  int top_k = 8;             // experts selected per token
  int num_groups = 8;        // expert groups (DeepSeek-V3: one per node of an EP group); 1 = no group limit
  int top_k_groups = 4;      // groups kept per token
  RouterScoring scoring = RouterScoring::kSigmoid;
  bool normalize_gates = true;
  double routed_scaling = 2.5;
};

// Limits: a 64-bit mask holds the kept groups; the host caches one key per expert (the device recomputes them).
inline constexpr int kMaxRoutedExperts = 1024;
inline constexpr int kMaxTopK = 32;
inline constexpr int kMaxExpertGroups = 64;

inline constexpr RoutingRule kDeepSeekV3Routing{256, 8, 8, 4, RouterScoring::kSigmoid, true, 2.5};
inline constexpr RoutingRule kMixtralRouting{8, 2, 1, 1, RouterScoring::kSoftmax, true, 1.0};

// nullptr when `rule` is valid, else a sentence saying which constraint it breaks.
constexpr const char* routing_rule_error(const RoutingRule& rule) {
  if (rule.num_experts < 1 || rule.num_experts > kMaxRoutedExperts) return "num_experts must be in 1..1024";
  if (rule.num_groups < 1 || rule.num_groups > kMaxExpertGroups) return "num_groups must be in 1..64";
  if (rule.num_experts % rule.num_groups != 0) return "num_groups must divide num_experts";
  if (rule.top_k_groups < 1 || rule.top_k_groups > rule.num_groups) return "top_k_groups must be in 1..num_groups";
  if (rule.top_k < 1 || rule.top_k > kMaxTopK) return "top_k must be in 1..32";
  if (rule.top_k > rule.top_k_groups * (rule.num_experts / rule.num_groups))
    return "top_k exceeds the experts of the kept groups (top_k_groups * num_experts / num_groups)";
  if (!(rule.routed_scaling > 0)) return "routed_scaling must be positive";
  return nullptr;
}

// True when (key_a, a) ranks before (key_b, b): a higher key, or an equal key and a lower index.
template <typename Real>
TS_HOST_DEVICE constexpr bool ranks_before(Real key_a, int a, Real key_b, int b) {
  return key_a > key_b || (key_a == key_b && a < b);
}

template <typename Real>
TS_HOST_DEVICE Real routing_exp(Real x) {
#if defined(__CUDA_ARCH__)
  return ::exp(x);  // the float overload is expf (full precision, not __expf)
#else
  return std::exp(x);
#endif
}

// sigmoid(l) written from exp(-l): the simulator's router model draws exp(-l) itself (models/token_noise.h).
template <typename Real>
TS_HOST_DEVICE Real sigmoid_from_exp_neg(Real exp_neg_logit) {
  return Real(1) / (Real(1) + exp_neg_logit);
}

template <typename Real>
TS_HOST_DEVICE Real sigmoid_score(Real logit) {
  return sigmoid_from_exp_neg(routing_exp(-logit));
}

// The selection key of expert e from its base (the score under kSigmoid, the logit under kSoftmax); bias may
// be nullptr.
template <typename Real>
TS_HOST_DEVICE Real key_from_base(Real base, const Real* bias, int e) {
  return bias ? base + bias[e] : base;
}

// The selection key of expert e (see the rule above); bias may be nullptr.
template <typename Real>
TS_HOST_DEVICE Real selection_key(const RoutingRule& rule, const Real* logits, const Real* bias, int e) {
  const Real base = rule.scoring == RouterScoring::kSigmoid ? sigmoid_score(logits[e]) : logits[e];
  return key_from_base(base, bias, e);
}

// Group-limited top-k on keys given by key_of(e). Writes rule.top_k expert ids in rank order.
// O(top_k * num_experts) comparisons with no per-expert scratch, so a GPU thread can run it from registers.
template <typename Real, typename KeyOf>
TS_HOST_DEVICE void select_experts(const RoutingRule& rule, KeyOf key_of, int* expert_ids) {
  const int group_size = rule.num_experts / rule.num_groups;
  unsigned long long kept = ~0ull;  // bit g: group g is kept
  if (rule.top_k_groups < rule.num_groups) {
    auto group_score = [&](int g) {
      int best = -1, second = -1;
      Real best_key = 0, second_key = 0;
      for (int e = g * group_size; e < (g + 1) * group_size; ++e) {
        const Real k = key_of(e);
        if (best < 0 || ranks_before(k, e, best_key, best)) {
          second = best, second_key = best_key;
          best = e, best_key = k;
        } else if (second < 0 || ranks_before(k, e, second_key, second)) {
          second = e, second_key = k;
        }
      }
      return second < 0 ? best_key : best_key + second_key;
    };
    kept = 0;
    int prev = -1;
    Real prev_score = 0;
    for (int i = 0; i < rule.top_k_groups; ++i) {  // the i-th group: best among those ranking after prev
      int pick = -1;
      Real pick_score = 0;
      for (int g = 0; g < rule.num_groups; ++g) {
        const Real s = group_score(g);
        if (prev >= 0 && !ranks_before(prev_score, prev, s, g)) continue;
        if (pick < 0 || ranks_before(s, g, pick_score, pick)) pick = g, pick_score = s;
      }
      kept |= 1ull << pick;
      prev = pick, prev_score = pick_score;
    }
  }
  int prev = -1;
  Real prev_key = 0;
  for (int i = 0; i < rule.top_k; ++i) {  // the i-th expert: best among kept ones ranking after prev
    int pick = -1;
    Real pick_key = 0;
    for (int e = 0; e < rule.num_experts; ++e) {
      if (!((kept >> (e / group_size)) & 1ull)) continue;
      const Real k = key_of(e);
      if (prev >= 0 && !ranks_before(prev_key, prev, k, e)) continue;
      if (pick < 0 || ranks_before(k, e, pick_key, pick)) pick = e, pick_key = k;
    }
    expert_ids[i] = pick;
    prev = pick, prev_key = pick_key;
  }
}

// The same selection on precomputed keys (keys[num_experts]), for callers that hold them (the simulator).
template <typename Real>
TS_HOST_DEVICE void select_experts_from_keys(const RoutingRule& rule, const Real* keys, int* expert_ids) {
  select_experts<Real>(rule, [keys](int e) { return keys[e]; }, expert_ids);
}

// The same selection as select_experts_from_keys, in one pass: each group's two best keys once, the kept
// groups, then the experts by insertion into a running top list (scratch: num_groups scores, top_k keys), so
// about num_experts comparisons instead of top_k x num_experts. For the host, which routes millions of tokens
// (the simulator's router model); a GPU thread keeps select_experts (registers, no scratch). Same ids for the
// same keys: candidates come in ascending index, so one ranks before a listed one (a lower index) exactly when
// its key is greater (ranks_before), and a group's score needs only its two best values, not which experts.
template <typename Real>
TS_HOST_DEVICE void select_experts_in_one_pass(const RoutingRule& rule, const Real* keys, int* expert_ids) {
  const int group_size = rule.num_experts / rule.num_groups;
  // Inserts candidate c (above every listed index) with key k into the ranked list of n entries, at most cap.
  auto insert = [](int c, Real k, int* ids, Real* list_keys, int& n, int cap) {
    if (n == cap && !(k > list_keys[n - 1])) return;
    int j = n < cap ? n++ : n - 1;
    for (; j > 0 && k > list_keys[j - 1]; --j) ids[j] = ids[j - 1], list_keys[j] = list_keys[j - 1];
    ids[j] = c, list_keys[j] = k;
  };
  unsigned long long kept = ~0ull;  // bit g: group g is kept
  if (rule.top_k_groups < rule.num_groups) {
    int groups[kMaxExpertGroups];
    Real group_scores[kMaxExpertGroups];
    int kept_count = 0;
    for (int g = 0; g < rule.num_groups; ++g) {
      const Real* group_keys = keys + g * group_size;
      Real best = group_keys[0], second = group_keys[0];  // second is read only when group_size >= 2
      for (int i = 1; i < group_size; ++i) {
        const Real k = group_keys[i];
        const Real lower = k < best ? k : best;
        second = i == 1 ? lower : (lower > second ? lower : second);
        best = k > best ? k : best;
      }
      insert(g, group_size == 1 ? best : best + second, groups, group_scores, kept_count, rule.top_k_groups);
    }
    kept = 0;
    for (int i = 0; i < kept_count; ++i) kept |= 1ull << groups[i];
  }
  Real top_keys[kMaxTopK];
  int n = 0;
  for (int g = 0; g < rule.num_groups; ++g)
    if ((kept >> g) & 1ull)
      for (int e = g * group_size; e < (g + 1) * group_size; ++e) insert(e, keys[e], expert_ids, top_keys, n, rule.top_k);
}

// Gates of the selected experts (see the rule above), in the order of expert_ids.
template <typename Real>
TS_HOST_DEVICE void gate_weights(const RoutingRule& rule, const Real* logits, const int* expert_ids, Real* gates) {
  if (rule.scoring == RouterScoring::kSigmoid) {
    for (int i = 0; i < rule.top_k; ++i) gates[i] = sigmoid_score(logits[expert_ids[i]]);
  } else {
    Real max_logit = logits[0];
    for (int e = 1; e < rule.num_experts; ++e) max_logit = logits[e] > max_logit ? logits[e] : max_logit;
    Real total = 0;
    for (int e = 0; e < rule.num_experts; ++e) total += routing_exp(logits[e] - max_logit);
    for (int i = 0; i < rule.top_k; ++i) gates[i] = routing_exp(logits[expert_ids[i]] - max_logit) / total;
  }
  Real sum = 0;
  for (int i = 0; i < rule.top_k; ++i) sum += gates[i];
  const Real scale = rule.normalize_gates ? Real(rule.routed_scaling) / sum : Real(rule.routed_scaling);
  for (int i = 0; i < rule.top_k; ++i) gates[i] *= scale;
}

// The whole rule for one token: logits[num_experts], bias[num_experts] or nullptr; writes top_k ids and gates.
template <typename Real>
TS_HOST_DEVICE void route_token(const RoutingRule& rule, const Real* logits, const Real* bias, int* expert_ids,
                                Real* gates) {
#if defined(__CUDA_ARCH__)
  // NOTE: a GPU thread recomputes keys on demand rather than hold num_experts of them in local memory.
  select_experts<Real>(rule, [&](int e) { return selection_key(rule, logits, bias, e); }, expert_ids);
#else
  // The host computes each key once (the same expression, so the same bits and the same selection).
  Real keys[kMaxRoutedExperts];
  for (int e = 0; e < rule.num_experts; ++e) keys[e] = selection_key(rule, logits, bias, e);
  select_experts_from_keys(rule, keys, expert_ids);
#endif
  gate_weights(rule, logits, expert_ids, gates);
}

}  // namespace trainsim::kernels
