// Reading a JSON file's fields (nlohmann-json) with the errors the brief asks of bad input: each names the file, the
// key's path in it ("calls[3].seconds"), what was found and what was expected, and a hint of the file's own
// (ConfigError). One reader per file kind: its hint says where such a file comes from.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace trainsim {

class JsonFields {
 public:
  JsonFields(std::string file, std::string hint) : file_(std::move(file)), hint_(std::move(hint)) {}

  // The whole text as a JSON object; ConfigError for text that is not one.
  nlohmann::json parse_object(const std::string& text) const;

  [[noreturn]] void malformed(const std::string& path, const std::string& problem, const std::string& expected) const;

  // object[key], which must be there; `path` is the object's own ("" at the top level).
  const nlohmann::json& member(const nlohmann::json& object, const std::string& key, const std::string& path) const;
  std::string text(const nlohmann::json& object, const std::string& key, const std::string& path) const;  // non-empty
  double positive(const nlohmann::json& object, const std::string& key, const std::string& path) const;  // finite, > 0
  double non_negative(const nlohmann::json& object, const std::string& key, const std::string& path) const;
  long long whole(const nlohmann::json& object, const std::string& key, long long low, long long high,
                  const std::string& path) const;

  // "calls[3]" and "seconds": "calls[3].seconds"; at the top level the key alone.
  static std::string join(const std::string& path, const std::string& key);
  const std::string& file() const { return file_; }

 private:
  std::string file_, hint_;
};

}  // namespace trainsim
