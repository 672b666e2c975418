// A small dependency-free JSON reader (RFC 8259: objects, arrays, numbers, strings, true, false, null), enough
// for a HuggingFace config.json; kernels/ builds on the GPU machine without the Debian JSON libraries.
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels::model {

enum class JsonKind { kNull, kBool, kNumber, kString, kArray, kObject };

// One parsed value with the line it starts on, so a reader can name where a bad field is.
struct JsonValue {
  JsonKind kind = JsonKind::kNull;
  int line = 1;
  bool boolean = false;
  double number = 0;
  std::string text;                                          // kString
  std::vector<JsonValue> items;                              // kArray
  std::map<std::string, std::unique_ptr<JsonValue>> fields;  // kObject (a repeated key keeps the last value)

  const JsonValue* find(const std::string& key) const;  // nullptr when absent or not an object
};

// "file:line: message": thrown for malformed JSON and, by readers of the parsed value, for bad fields.
class JsonError : public std::runtime_error {
 public:
  JsonError(const std::string& file, int line, const std::string& message);
};

const char* json_kind_name(JsonKind kind);  // "a number", "a string", ... for messages

// Parses `text`; `file` names the source in error messages.
JsonValue parse_json(const std::string& text, const std::string& file);
// Reads and parses the file at `path`; std::runtime_error ("path: cannot open the file") when it cannot be read.
JsonValue read_json_file(const std::string& path);

}  // namespace trainsim::kernels::model
