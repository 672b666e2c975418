// Schema-checked reading of YAML files: every value read through a ConfigNode knows its file, line,
// column and key path, so each user error names exactly where it is. yaml-cpp stays behind this header.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/units.h"

namespace YAML {
class Node;
}

namespace trainsim {

struct QuantityRange;  // core/input_ranges.h
struct IntegerRange;

// The text of a YAML input file (a scenario, a calibration). Throws ConfigError naming the path, "cannot read
// the <what>", where it cannot be read or is a directory, and before parsing where it holds more than
// `max_bytes` (core/input_file.h has the limits).
std::string read_yaml_file(const std::string& path, std::string_view what, std::uintmax_t max_bytes);

class ConfigNode {
 public:
  // Parses text (named `file_name` in messages); throws ConfigError on YAML syntax errors.
  static ConfigNode parse(const std::string& text, const std::string& file_name);

  ConfigNode(const ConfigNode&);
  ConfigNode& operator=(const ConfigNode&);
  ~ConfigNode();

  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }
  SourceLocation location() const;
  bool is_map() const;
  bool is_sequence() const;
  bool is_scalar() const;
  bool is_null() const;

  // Map access. `require` fails with "missing field" naming the parent's location.
  bool has(const std::string& key) const;
  ConfigNode require(const std::string& key) const;
  std::optional<ConfigNode> get(const std::string& key) const;
  std::vector<std::string> keys() const;  // in file order
  // Fails on the first key not in `allowed`, with a "did you mean" hint.
  void allow_only(std::span<const std::string> allowed) const;
  void require_map() const;

  // Sequence access. element_count() reads no element: a caller checks a list's length before its elements.
  std::vector<ConfigNode> elements() const;
  std::size_t element_count() const;

  // Scalars. Each fails with the location and the expected form.
  std::string as_string() const;
  double as_number() const;  // a bare number; a number with a unit is an error
  long long as_integer(long long min, long long max) const;
  long long as_integer(const IntegerRange& range) const;
  bool as_bool() const;
  double as_quantity(Dimension dimension) const;  // "50 GB/s" -> 5e10; any finite value of at least 0
  // The same within `range` (core/input_ranges.h), which the error's "expected" part names.
  double as_quantity(const QuantityRange& range) const;
  // One of `choices` (case-sensitive), with a did-you-mean hint.
  std::string as_choice(std::span<const std::string> choices) const;

  // Helpers for optional fields with defaults.
  double quantity_or(const std::string& key, Dimension dimension, double fallback) const;
  double quantity_or(const std::string& key, const QuantityRange& range, double fallback) const;
  long long integer_or(const std::string& key, long long min, long long max, long long fallback) const;
  long long integer_or(const std::string& key, const IntegerRange& range, long long fallback) const;
  std::string string_or(const std::string& key, const std::string& fallback) const;
  bool bool_or(const std::string& key, bool fallback) const;

  [[noreturn]] void fail(const std::string& problem, const std::string& expected = {},
                         const std::string& hint = {}) const;

  // Replaces the value at the dotted `key_path` below this node (a map, or empty) with `value_text` read as YAML,
  // creating the mappings on the way; a key not there yet is added, for the schema to accept or refuse. Messages
  // about the value, anything under it, and the mappings it created name `origin` (e.g. "--set parallelism.pp")
  // instead of file:line:col. Throws ConfigError at `origin` for a path through a value that is not a mapping,
  // an empty key, or text that is not YAML.
  void set_from_text(const std::string& key_path, const std::string& value_text, const std::string& origin);

 private:
  ConfigNode(std::unique_ptr<YAML::Node> node, std::shared_ptr<const std::string> file, std::string path);
  std::string scalar_text(std::string_view expected) const;

  // The origin of a value set by set_from_text at `key_path` or above it, or nullptr for one from the file.
  const std::string* origin_of(const std::string& key_path) const;

  std::unique_ptr<YAML::Node> node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  // (key path, origin) of each set_from_text, in order; shared by the whole tree, the last match wins.
  std::shared_ptr<std::vector<std::pair<std::string, std::string>>> origins_ =
      std::make_shared<std::vector<std::pair<std::string, std::string>>>();
};

}  // namespace trainsim
