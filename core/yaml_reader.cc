// ConfigNode over yaml-cpp. yaml-cpp marks are 0-based; messages use 1-based lines and columns.
#include "core/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>

#include "core/did_you_mean.h"
#include "core/input_file.h"
#include "core/input_ranges.h"

namespace trainsim {

ConfigNode::ConfigNode(std::unique_ptr<YAML::Node> node, std::shared_ptr<const std::string> file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}
ConfigNode::ConfigNode(const ConfigNode& other)
    : node_(std::make_unique<YAML::Node>(*other.node_)), file_(other.file_), path_(other.path_), origins_(other.origins_) {}
ConfigNode& ConfigNode::operator=(const ConfigNode& other) {
  if (this != &other) {
    node_ = std::make_unique<YAML::Node>(*other.node_);
    file_ = other.file_;
    path_ = other.path_;
    origins_ = other.origins_;
  }
  return *this;
}
ConfigNode::~ConfigNode() = default;

ConfigNode ConfigNode::parse(const std::string& text, const std::string& file_name) {
  auto file = std::make_shared<const std::string>(file_name);
  try {
    return ConfigNode(std::make_unique<YAML::Node>(YAML::Load(text)), file, "");
  } catch (const YAML::Exception& e) {
    SourceLocation where{file_name, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1, ""};
    throw ConfigError(where, "not valid YAML: " + e.msg);
  }
}

std::string read_yaml_file(const std::string& path, std::string_view what, std::uintmax_t max_bytes) {
  const SourceLocation where{path, 0, 0, ""};
  std::optional<std::string> text = read_input_file(path, what, max_bytes, where);
  if (!text) throw ConfigError(where, "cannot read the " + std::string(what), "a readable YAML file");
  return std::move(*text);
}

SourceLocation ConfigNode::location() const {
  if (const std::string* origin = origin_of(path_)) return SourceLocation{*origin, 0, 0, path_};
  const YAML::Mark mark = node_->Mark();
  if (mark.is_null()) return SourceLocation{*file_, 0, 0, path_};
  return SourceLocation{*file_, mark.line + 1, mark.column + 1, path_};
}

void ConfigNode::fail(const std::string& problem, const std::string& expected, const std::string& hint) const {
  throw ConfigError(location(), problem, expected, hint);
}

bool ConfigNode::is_map() const { return node_->IsMap(); }
bool ConfigNode::is_sequence() const { return node_->IsSequence(); }
bool ConfigNode::is_scalar() const { return node_->IsScalar(); }
bool ConfigNode::is_null() const { return node_->IsNull(); }

void ConfigNode::require_map() const {
  if (!node_->IsMap()) fail("is not a mapping of keys to values", "a block of 'key: value' lines");
}

bool ConfigNode::has(const std::string& key) const { return node_->IsMap() && (*node_)[key].IsDefined(); }

std::optional<ConfigNode> ConfigNode::get(const std::string& key) const {
  require_map();
  // NOTE: a const YAML::Node's operator[] does not insert the key, so probing is side-effect free.
  const YAML::Node& self = *node_;
  YAML::Node child = self[key];
  if (!child.IsDefined()) return std::nullopt;
  // A key written with no value ("pp:") keeps the parent's place in the file for messages.
  ConfigNode result(std::make_unique<YAML::Node>(child), file_, path_.empty() ? key : path_ + "." + key);
  result.origins_ = origins_;
  if (child.Mark().is_null()) {
    for (auto it = self.begin(); it != self.end(); ++it)
      if (it->first.Scalar() == key) result.node_ = std::make_unique<YAML::Node>(it->second);
  }
  return result;
}

ConfigNode ConfigNode::require(const std::string& key) const {
  std::optional<ConfigNode> child = get(key);
  if (!child) {
    SourceLocation where = location();
    where.key_path = path_.empty() ? key : path_ + "." + key;
    throw ConfigError(where, "missing field", "a value for '" + key + "'");
  }
  return *child;
}

std::vector<std::string> ConfigNode::keys() const {
  require_map();
  std::vector<std::string> out;
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    if (!it->first.IsScalar()) fail("has a key that is not a plain name", "keys that are names");
    out.push_back(it->first.Scalar());
  }
  return out;
}

void ConfigNode::allow_only(std::span<const std::string> allowed) const {
  require_map();
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    if (!it->first.IsScalar()) fail("has a key that is not a plain name", "keys that are names");
    const std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const YAML::Mark mark = it->first.Mark();
    SourceLocation where{*file_, mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1,
                         path_.empty() ? key : path_ + "." + key};
    if (const std::string* origin = origin_of(where.key_path)) where = SourceLocation{*origin, 0, 0, where.key_path};
    std::string known;
    for (const std::string& a : allowed) known += (known.empty() ? "" : ", ") + a;
    throw ConfigError(where, "unknown key '" + key + "'", "one of " + known, did_you_mean(key, allowed));
  }
}

std::vector<ConfigNode> ConfigNode::elements() const {
  if (!node_->IsSequence()) fail("is not a list", "a list such as [4, 4, 3]");
  std::vector<ConfigNode> out;
  size_t index = 0;
  for (auto it = node_->begin(); it != node_->end(); ++it, ++index) {
    out.push_back(ConfigNode(std::make_unique<YAML::Node>(*it), file_, path_ + "[" + std::to_string(index) + "]"));
    out.back().origins_ = origins_;
  }
  return out;
}

std::size_t ConfigNode::element_count() const {
  if (!node_->IsSequence()) fail("is not a list", "a list such as [4, 4, 3]");
  return node_->size();
}

std::string ConfigNode::scalar_text(std::string_view expected) const {
  if (!node_->IsScalar()) {
    const char* found = node_->IsMap() ? "a mapping" : node_->IsSequence() ? "a list" : "no value";
    fail(std::string("is ") + found, std::string(expected));
  }
  return node_->Scalar();
}

std::string ConfigNode::as_string() const { return scalar_text("a text value"); }

double ConfigNode::as_number() const {
  const std::string text = scalar_text("a number");
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value))
    fail("'" + text + "' is not a number", "a plain number");
  return value;
}

long long ConfigNode::as_integer(long long min, long long max) const {
  const std::string text = scalar_text("a whole number");
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    fail("'" + text + "' is not a whole number", fmt::format("a whole number from {} to {}", min, max));
  if (value < min || value > max)
    fail(fmt::format("{} is out of range", value), fmt::format("a whole number from {} to {}", min, max));
  return value;
}

bool ConfigNode::as_bool() const {
  const std::string text = scalar_text("true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail("'" + text + "' is not a boolean", "true or false");
}

long long ConfigNode::as_integer(const IntegerRange& range) const { return as_integer(range.min, range.max); }

double ConfigNode::as_quantity(Dimension dimension) const {
  const std::string expected = fmt::format("{} such as {}", dimension_name(dimension), dimension_example(dimension));
  const QuantityParse parsed = parse_quantity(scalar_text(expected), dimension);
  if (!parsed.ok()) fail(parsed.error, expected);
  if (parsed.value < 0) fail("is negative", expected);
  return parsed.value + 0.0;  // -0 reads as 0
}

double ConfigNode::as_quantity(const QuantityRange& range) const {
  const std::string expected = range.text();
  const std::string text = scalar_text(expected);
  const QuantityParse parsed = parse_quantity(text, range.dimension);
  if (!parsed.ok()) fail(parsed.error, expected);
  const double value = parsed.value + 0.0;  // -0 reads as 0
  if (!range.contains(value))
    fail(fmt::format("'{}' is out of range", text), expected,
         "why this range: " + std::string(range.why));
  return value;
}

std::string ConfigNode::as_choice(std::span<const std::string> choices) const {
  std::string known;
  for (const std::string& c : choices) known += (known.empty() ? "" : ", ") + c;
  const std::string text = scalar_text("one of " + known);
  if (std::find(choices.begin(), choices.end(), text) == choices.end())
    fail("'" + text + "' is not a known value", "one of " + known, did_you_mean(text, choices));
  return text;
}

double ConfigNode::quantity_or(const std::string& key, Dimension dimension, double fallback) const {
  auto child = get(key);
  return child ? child->as_quantity(dimension) : fallback;
}
double ConfigNode::quantity_or(const std::string& key, const QuantityRange& range, double fallback) const {
  auto child = get(key);
  return child ? child->as_quantity(range) : fallback;
}
long long ConfigNode::integer_or(const std::string& key, long long min, long long max, long long fallback) const {
  auto child = get(key);
  return child ? child->as_integer(min, max) : fallback;
}
long long ConfigNode::integer_or(const std::string& key, const IntegerRange& range, long long fallback) const {
  return integer_or(key, range.min, range.max, fallback);
}
std::string ConfigNode::string_or(const std::string& key, const std::string& fallback) const {
  auto child = get(key);
  return child ? child->as_string() : fallback;
}
bool ConfigNode::bool_or(const std::string& key, bool fallback) const {
  auto child = get(key);
  return child ? child->as_bool() : fallback;
}

const std::string* ConfigNode::origin_of(const std::string& key_path) const {
  for (auto it = origins_->rbegin(); it != origins_->rend(); ++it) {
    const std::string& set = it->first;
    if (key_path.starts_with(set) &&
        (key_path.size() == set.size() || key_path[set.size()] == '.' || key_path[set.size()] == '['))
      return &it->second;
  }
  return nullptr;
}

void ConfigNode::set_from_text(const std::string& key_path, const std::string& value_text, const std::string& origin) {
  const std::string full_path = path_.empty() ? key_path : path_ + "." + key_path;
  const auto refuse = [&](const std::string& problem, const std::string& expected, const std::string& hint = {}) {
    throw ConfigError(SourceLocation{origin, 0, 0, full_path}, problem, expected, hint);
  };
  std::vector<std::string> keys;
  for (size_t start = 0;;) {
    const size_t dot = key_path.find('.', start);
    keys.push_back(key_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (keys.back().empty()) refuse("'" + key_path + "' has an empty key", "a dotted key path such as parallelism.pp");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    refuse("'" + value_text + "' is not valid YAML: " + e.msg, "a value as a scenario file writes it");
  }
  // NOTE: yaml-cpp's Node::operator= writes through to the node a handle refers to; reset() moves the handle.
  YAML::Node current;
  current.reset(*node_);
  std::string walked = path_;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    walked = walked.empty() ? keys[i] : walked + "." + keys[i];
    if (!current.IsMap() && !current.IsNull())
      refuse("'" + walked.substr(0, walked.rfind('.')) + "' is a single value, not a mapping with keys",
             "a key path through mappings",
             "set the whole value instead, as in --set cluster.gpu={type: h100, hbm_capacity: 96 GiB}");
    YAML::Node child = current[keys[i]];
    if (!child.IsDefined() || child.IsNull()) {
      current[keys[i]] = YAML::Node(YAML::NodeType::Map);
      origins_->emplace_back(walked, origin);
    }
    YAML::Node next = current[keys[i]];
    current.reset(next);
  }
  if (!current.IsMap() && !current.IsNull())
    refuse("'" + walked + "' is a single value, not a mapping with keys", "a key path through mappings",
           "set the whole value instead, as in --set cluster.gpu={type: h100, hbm_capacity: 96 GiB}");
  current[keys.back()] = value;
  origins_->emplace_back(full_path, origin);
}

}  // namespace trainsim
