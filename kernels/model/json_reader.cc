// Recursive-descent JSON parser over the grammar of RFC 8259; \uXXXX escapes are written as UTF-8.
#include "kernels/model/json_reader.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace trainsim::kernels::model {

const JsonValue* JsonValue::find(const std::string& key) const {
  if (kind != JsonKind::kObject) return nullptr;
  const auto it = fields.find(key);
  return it == fields.end() ? nullptr : it->second.get();
}

JsonError::JsonError(const std::string& file, int line, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + message) {}

const char* json_kind_name(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return "null";
    case JsonKind::kBool:
      return "true or false";
    case JsonKind::kNumber:
      return "a number";
    case JsonKind::kString:
      return "a string";
    case JsonKind::kArray:
      return "an array";
    case JsonKind::kObject:
      return "an object";
  }
  return "a value";
}

namespace {

// Nesting deeper than this is not a config file; the limit keeps recursion off the stack's edge.
constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  JsonValue document() {
    JsonValue v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw JsonError(file_, line_, what); }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      if (s_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }

  char peek() {
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end of file");
    return s_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + s_[pos_] + "'");
    ++pos_;
  }

  bool take_word(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }

  JsonValue value(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than 64 levels");
    const char c = peek();
    JsonValue v;
    v.line = line_;
    if (c == '{') {
      object(depth, v);
    } else if (c == '[') {
      array(depth, v);
    } else if (c == '"') {
      v.kind = JsonKind::kString;
      v.text = string();
    } else if (take_word("true")) {
      v.kind = JsonKind::kBool;
      v.boolean = true;
    } else if (take_word("false")) {
      v.kind = JsonKind::kBool;
    } else if (take_word("null")) {
      v.kind = JsonKind::kNull;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = JsonKind::kNumber;
      v.number = number();
    } else {
      fail(std::string("expected a value, found '") + c + "'");
    }
    return v;
  }

  void object(int depth, JsonValue& v) {
    v.kind = JsonKind::kObject;
    expect('{');
    if (peek() == '}') return void(++pos_);
    for (;;) {
      if (peek() != '"') fail("expected a quoted key");
      std::string key = string();
      expect(':');
      v.fields[key] = std::make_unique<JsonValue>(value(depth + 1));
      if (peek() == '}') return void(++pos_);
      expect(',');
    }
  }

  void array(int depth, JsonValue& v) {
    v.kind = JsonKind::kArray;
    expect('[');
    if (peek() == ']') return void(++pos_);
    for (;;) {
      v.items.push_back(value(depth + 1));
      if (peek() == ']') return void(++pos_);
      expect(',');
    }
  }

  // RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  double number() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == from) fail("malformed number");
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0')
      ++pos_;
    else
      digits();
    if (pos_ < s_.size() && s_[pos_] == '.') ++pos_, digits();
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      digits();
    }
    double value = 0;  // from_chars: the "C" locale's decimal point whatever the process's locale
    if (std::from_chars(s_.data() + start, s_.data() + pos_, value).ec != std::errc())
      fail("number out of the range of a double");
    return value;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
    }
  }

  // The four hex digits after \u (RFC 8259 section 7).
  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("short \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) fail("malformed \\u escape");
      value = value * 16 + unsigned(digit);
    }
    return value;
  }

  // A code point, joining a UTF-16 surrogate pair (\uD83D\uDE00) into one.
  unsigned code_point() {
    const unsigned high = hex4();
    if (high < 0xD800 || high > 0xDFFF) return high;
    if (high > 0xDBFF || s_.compare(pos_, 2, "\\u") != 0) fail("unpaired UTF-16 surrogate in a \\u escape");
    pos_ += 2;
    const unsigned low = hex4();
    if (low < 0xDC00 || low > 0xDFFF) fail("unpaired UTF-16 surrogate in a \\u escape");
    return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
  }

  std::string string() {
    ++pos_;  // the opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          append_utf8(out, code_point());
          break;
        default:
          fail(std::string("unknown escape '\\") + e + "'");
      }
    }
  }

  const std::string& s_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

JsonValue parse_json(const std::string& text, const std::string& file) { return Parser(text, file).document(); }

JsonValue read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

}  // namespace trainsim::kernels::model
