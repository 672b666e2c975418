// A file of named sweep points (`trainsim sweep --variants FILE`): a YAML mapping, in file order, of each
// variant's name to a mapping of scenario keys (dotted, as --set takes them) to their values. A sweep runs them
// as the points of one axis, `variant`; each error in the file names its line and key.
#pragma once
#include <string>
#include <vector>

#include "core/error.h"

namespace trainsim::sim {

struct SweepSetting {
  std::string key;         // parallelism.pp
  std::string value_yaml;  // "16", or a mapping in flow style: "{type: h100, hbm_capacity: 96 GiB}"
  SourceLocation where;    // the key's line in the variants file
};

struct SweepVariant {
  std::string name;
  std::vector<SweepSetting> settings;  // in file order
};

// Throws ConfigError located in the file for anything but a mapping of names to mappings of keys to values.
std::vector<SweepVariant> parse_sweep_variants(const std::string& text, const std::string& file);
std::vector<SweepVariant> read_sweep_variants(const std::string& path);

}  // namespace trainsim::sim
