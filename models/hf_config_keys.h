// The config.json keys trainsim does not read, sorted by what they mean for a cost estimate: keys known to be
// irrelevant (token ids, dropout, numerics, the checkpoint's storage format), and a test for unknown keys whose
// names suggest they shape the architecture. Keys that change the architecture without being modelled are read
// by hf_config.cc and leave a note there.
#pragma once
#include <string_view>

namespace trainsim::models {

// Known and without effect on parameters, FLOPs or bytes of training: bos_token_id, torch_dtype, rope_theta,
// rms_norm_eps, initializer_range, transformers_version, use_cache, dropout rates, transformers' private
// _-keys, ... (the list in the .cc).
bool is_irrelevant_hf_key(std::string_view key);

// An unknown key whose name says it may shape the model (expert, moe, layer, head, hidden, intermediate, ffn,
// router, attention, window, topk, ...): ignoring it may change the estimate, so it gets a note of its own.
bool looks_architectural(std::string_view key);

}  // namespace trainsim::models
