// The JSON field reader of json_fields.h.
#include "core/json_fields.h"

#include <fmt/format.h>

#include <cmath>

#include "core/error.h"

namespace trainsim {

using nlohmann::json;

json JsonFields::parse_object(const std::string& text) const {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    malformed("", fmt::format("is not JSON: {}", e.what()), "a JSON object");
  }
  if (!root.is_object()) malformed("", "is not a JSON object", "a JSON object");
  return root;
}

void JsonFields::malformed(const std::string& path, const std::string& problem, const std::string& expected) const {
  throw ConfigError(SourceLocation{file_, 0, 0, path}, problem, expected, hint_);
}

std::string JsonFields::join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

const json& JsonFields::member(const json& object, const std::string& key, const std::string& path) const {
  const auto it = object.find(key);
  if (it == object.end()) malformed(join(path, key), "is missing", "the key");
  return *it;
}

std::string JsonFields::text(const json& object, const std::string& key, const std::string& path) const {
  const json& v = member(object, key, path);
  if (!v.is_string() || v.get<std::string>().empty())
    malformed(join(path, key), fmt::format("is {}", v.dump()), "a non-empty string");
  return v.get<std::string>();
}

double JsonFields::positive(const json& object, const std::string& key, const std::string& path) const {
  const json& v = member(object, key, path);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0)
    malformed(join(path, key), fmt::format("is {}", v.dump()), "a number above zero");
  return v.get<double>();
}

double JsonFields::non_negative(const json& object, const std::string& key, const std::string& path) const {
  const json& v = member(object, key, path);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
    malformed(join(path, key), fmt::format("is {}", v.dump()), "a number, 0 or more");
  return v.get<double>();
}

long long JsonFields::whole(const json& object, const std::string& key, long long low, long long high,
                            const std::string& path) const {
  const json& v = member(object, key, path);
  if (!v.is_number_integer() || v.get<long long>() < low || v.get<long long>() > high)
    malformed(join(path, key), fmt::format("is {}", v.dump()), fmt::format("a whole number, {} to {}", low, high));
  return v.get<long long>();
}

}  // namespace trainsim
