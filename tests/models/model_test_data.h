// What the model tests share: the real config.json files of tests/models/data (origins in its SOURCES.md) and a
// layer's op found by name.
#pragma once
#include <stdexcept>
#include <string>

#include "models/hf_config.h"
#include "models/op_catalog.h"

namespace trainsim::models {

inline ModelConfig load_data(const std::string& file) {
  return load_hf_config_file(std::string(TRAINSIM_SOURCE_DIR) + "/tests/models/data/" + file);
}

// The op called `name` in `ops`, or nullptr.
inline const Op* find_op(const LayerOps& ops, const std::string& name) {
  for (const Op& op : ops.ops)
    if (op.name == name) return &op;
  return nullptr;
}

// The op called `name` in `ops`; throws (failing the test that asked) when there is none.
inline const Op& op_named(const LayerOps& ops, const std::string& name) {
  if (const Op* op = find_op(ops, name)) return *op;
  throw std::runtime_error("no op " + name);
}

}  // namespace trainsim::models
