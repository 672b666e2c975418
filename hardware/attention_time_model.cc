// Causal tiles and their waves (attention_time_model.h).
#include "hardware/attention_time_model.h"

#include <algorithm>
#include <utility>

#include "core/ceil_div.h"

namespace trainsim::hw {
namespace {

constexpr double kElementBytes = 2;  // BF16: attention stays in BF16 in DeepSeek-V3 (docs/sources.md#fp8)

// The load-balanced CP split (AttentionShape::context_parallel) is defined only for causal attention without a
// window over 2 cp equal chunks.
void check_context_parallel(const AttentionShape& shape) {
  const std::int64_t cp = shape.context_parallel;
  TS_CHECK(cp >= 1, "context-parallel degree {} < 1", cp);
  if (cp == 1) return;
  TS_CHECK(shape.causal, "context parallelism {} needs causal attention (the load-balanced split is causal)", cp);
  TS_CHECK(shape.window == 0, "context parallelism {} with a sliding window of {}", cp, shape.window);
  TS_CHECK(shape.seq % (2 * cp) == 0, "seq {} is not 2 x {} equal context-parallel chunks", shape.seq, cp);
}

// Rank 0's tiles under CP: query chunks [0, L) and [seq - L, seq), keys the whole sequence (AttentionShape).
std::vector<std::int64_t> context_parallel_blocks_per_tile(const AttentionShape& shape,
                                                           AttentionDirection direction) {
  const AttentionTiling tiling = attention_tiling(direction);
  const bool forward = direction == AttentionDirection::kForward;
  const std::int64_t chunk = shape.seq / (2 * shape.context_parallel);
  // The last query of each local query block: blocks start at each chunk's start, never span the two chunks,
  // and a chunk's last block is partial where the chunk is not a multiple of the block.
  const std::int64_t query_block = forward ? tiling.outer_block : tiling.inner_block;
  std::vector<std::int64_t> last_queries;
  for (const std::int64_t start : {std::int64_t{0}, shape.seq - chunk})
    for (std::int64_t first = start; first < start + chunk; first += query_block)
      last_queries.push_back(std::min(first + query_block, start + chunk) - 1);
  std::vector<std::int64_t> blocks;
  if (forward) {
    // A query block sees keys [0, its last query]: the key blocks from 0 to the one holding that query.
    for (const std::int64_t last : last_queries) blocks.push_back(last / tiling.inner_block + 1);
    return blocks;
  }
  // Backward, a tile per key block over [0, last local query] (the sequence's last token, chunk 2 cp - 1's end):
  // keys [first, ...] are seen by the local query blocks holding a query >= first.
  const std::int64_t key_tiles = ceil_div(last_queries.back() + 1, tiling.outer_block);
  for (std::int64_t i = 0; i < key_tiles; ++i) {
    const std::int64_t first = i * tiling.outer_block;
    blocks.push_back(std::count_if(last_queries.begin(), last_queries.end(),
                                   [first](std::int64_t last) { return last >= first; }));
  }
  return blocks;
}

// Inner blocks each outer block's tile walks, one entry per outer block.
std::vector<std::int64_t> blocks_per_tile(const AttentionShape& shape, AttentionDirection direction) {
  if (shape.context_parallel > 1) return context_parallel_blocks_per_tile(shape, direction);
  const AttentionTiling tiling = attention_tiling(direction);
  const std::int64_t outer = ceil_div(shape.seq, tiling.outer_block);
  const std::int64_t inner = ceil_div(shape.seq, tiling.inner_block);
  std::vector<std::int64_t> blocks(static_cast<std::size_t>(outer), inner);
  if (!shape.causal) return blocks;
  // A sliding window w: query q sees keys [q - w + 1, q]; 0 or w >= seq is plain causal.
  const std::int64_t w = shape.window > 0 && shape.window < shape.seq ? shape.window : shape.seq;
  for (std::int64_t i = 0; i < outer; ++i) {
    const std::int64_t first = i * tiling.outer_block;
    const std::int64_t last = std::min((i + 1) * tiling.outer_block, shape.seq) - 1;
    if (direction == AttentionDirection::kForward) {
      // Queries [i B, last] see keys [i B - w + 1, last]: the blocks from the one holding the first key seen to
      // the one holding the last query.
      blocks[static_cast<std::size_t>(i)] =
          last / tiling.inner_block - std::max<std::int64_t>(0, first - w + 1) / tiling.inner_block + 1;
    } else {
      // Keys [i B, last] are seen by queries [i B, last + w - 1]: the query blocks from the one holding i B on.
      const std::int64_t last_query = std::min(last + w - 1, shape.seq - 1);
      blocks[static_cast<std::size_t>(i)] = last_query / tiling.inner_block - first / tiling.inner_block + 1;
    }
  }
  return blocks;
}

}  // namespace

double AttentionShape::pairs() const {
  if (context_parallel != 1) {
    check_context_parallel(*this);
    // Chunk c's L queries see c L + 1 .. c L + L keys: c L^2 + L (L + 1) / 2 pairs; rank 0 holds chunks 0 and
    // 2 cp - 1, together 2 cp L^2 + L = seq (seq + 1) / 2 / cp, the same as every other rank.
    const double l = static_cast<double>(seq / (2 * context_parallel));
    const auto chunk_pairs = [l](std::int64_t c) { return static_cast<double>(c) * l * l + l * (l + 1) / 2; };
    return chunk_pairs(0) + chunk_pairs(2 * context_parallel - 1);
  }
  const double s = static_cast<double>(seq);
  if (!causal) return s * s;
  if (window <= 0 || window >= seq) return s * (s + 1) / 2;
  const double w = static_cast<double>(window);
  return w * (w + 1) / 2 + (s - w) * w;
}

double AttentionShape::flops(AttentionDirection direction) const {
  const double dims = direction == AttentionDirection::kForward
                          ? static_cast<double>(qk_head_dim + v_head_dim)
                          : static_cast<double>(3 * qk_head_dim + 2 * v_head_dim);
  return 2.0 * dims * pairs() * static_cast<double>(heads * batch);
}

double AttentionShape::hbm_bytes(AttentionDirection direction) const {
  if (context_parallel != 1) {
    check_context_parallel(*this);
    // Per token, Q and O (dO, dQ) take the same head dims as K and V (dK, dV); the rank's queries are its
    // seq / cp tokens, its keys and values the whole, all-gathered sequence.
    const std::int64_t per_token_half = direction == AttentionDirection::kForward
                                            ? qk_head_dim + v_head_dim           // Q, O or K, V
                                            : 2 * qk_head_dim + 2 * v_head_dim;  // and their gradients
    return kElementBytes *
           static_cast<double>(per_token_half * (seq / context_parallel + seq) * heads * batch);
  }
  const std::int64_t per_token = direction == AttentionDirection::kForward
                                     ? 2 * qk_head_dim + 2 * v_head_dim   // Q, K, V, O
                                     : 4 * qk_head_dim + 4 * v_head_dim;  // Q, K, V, O, dO, dQ, dK, dV
  return kElementBytes * static_cast<double>(per_token * heads * batch * seq);
}

AttentionTiling attention_tiling(AttentionDirection direction) {
  return direction == AttentionDirection::kForward ? AttentionTiling{128, 128} : AttentionTiling{128, 64};
}

AttentionConstants AttentionConstants::from_coefficients(std::span<const double> c) {
  TS_CHECK(c.size() == 3, "attention has 3 constants, got {}", c.size());
  return AttentionConstants{c[0], c[1], c[2]};
}

AttentionConstants assumed_attention_constants(AttentionDirection direction) {
  // Tile: an assumed 1 us to load a tile's operands and store its output; launch: the roofline's 4 us.
  const double achieved = direction == AttentionDirection::kForward ? 0.65 : 0.45;
  return AttentionConstants{.mma_time_factor = 1 / achieved, .tile_s = 1e-6, .launch_s = 4e-6};
}

AttentionTimeModel::AttentionTimeModel(GpuSpec gpu, AttentionDirection direction, AttentionConstants constants,
                                       double hbm_time_factor)
    : gpu_(std::move(gpu)), direction_(direction), constants_(constants), hbm_time_factor_(hbm_time_factor) {
  const std::vector<double> c = constants_.coefficients();
  const std::vector<double> lower = AttentionConstants::lower_bounds();
  for (std::size_t i = 0; i < c.size(); ++i)
    TS_CHECK(c[i] >= lower[i], "attention constant {} is {} < {}", i, c[i], lower[i]);
  TS_CHECK(hbm_time_factor_ >= 1, "HBM time factor {} would beat the datasheet bandwidth", hbm_time_factor_);
  TS_CHECK(gpu_.sm_count > 0 && gpu_.bf16_peak_flops_per_s > 0, "GPU '{}' lacks SMs or a BF16 peak", gpu_.key);
}

LinearTimeTerms AttentionTimeModel::terms(const AttentionShape& shape, int sms) const {
  TS_CHECK(sms >= 1 && sms <= gpu_.sm_count, "{} SMs on a {}-SM GPU", sms, gpu_.sm_count);
  TS_CHECK(shape.batch > 0 && shape.seq > 0 && shape.heads > 0 && shape.qk_head_dim > 0 && shape.v_head_dim > 0,
           "attention shape batch {} seq {} heads {}", shape.batch, shape.seq, shape.heads);
  check_context_parallel(shape);
  // Every (head, sequence) repeats the outer blocks' tiles; longest first, `sms` at a time.
  std::vector<std::int64_t> blocks = blocks_per_tile(shape, direction_);
  std::sort(blocks.begin(), blocks.end(), std::greater<>());
  const std::int64_t copies = shape.heads * shape.batch;
  const std::int64_t tiles = copies * static_cast<std::int64_t>(blocks.size());
  const std::int64_t waves = ceil_div(tiles, sms);
  double wave_blocks = 0;  // sum over waves of the blocks of the wave's first (longest) tile
  for (std::int64_t w = 0; w < waves; ++w)
    wave_blocks += static_cast<double>(blocks[static_cast<std::size_t>(w * sms / copies)]);

  const AttentionTiling tiling = attention_tiling(direction_);
  const double dims = direction_ == AttentionDirection::kForward
                          ? static_cast<double>(shape.qk_head_dim + shape.v_head_dim)
                          : static_cast<double>(3 * shape.qk_head_dim + 2 * shape.v_head_dim);
  const double peak_per_sm = gpu_.bf16_peak_flops_per_s / gpu_.sm_count;
  const double block_peak_s = 2.0 * tiling.outer_block * tiling.inner_block * dims / peak_per_sm;

  LinearTimeTerms terms;
  terms.work = {wave_blocks * block_peak_s, static_cast<double>(waves)};
  // NOTE: FlashAttention-2/3's backward runs three kernels: a preprocess (row sums of dO o O), the main
  // kernel, and a conversion of the FP32 dQ accumulator.
  terms.launches = direction_ == AttentionDirection::kForward ? 1 : 3;
  terms.floor_s = std::max(shape.hbm_bytes(direction_) / gpu_.hbm_bandwidth_bytes_per_s * hbm_time_factor_,
                           shape.flops(direction_) / (peak_per_sm * sms));
  return terms;
}

double AttentionTimeModel::seconds(const AttentionShape& shape, int sms) const {
  const std::vector<double> c = constants_.coefficients();
  return terms(shape, sms).seconds(std::span<const double>(c.data(), 2), constants_.launch_s);
}

}  // namespace trainsim::hw
