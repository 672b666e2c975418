// The JSON reader on hand-written documents: every value kind, escapes, line numbers, and malformed input.
#include "kernels/model/json_reader.h"

#include <gtest/gtest.h>

namespace trainsim::kernels::model {
namespace {

TEST(JsonReader, ReadsEveryKind) {
  const JsonValue v =
      parse_json(R"({"a": 1.5e2, "b": [true, false, null], "c": "x\"\n\u00e9", "d": {}, "e": -0})", "doc.json");
  ASSERT_EQ(v.kind, JsonKind::kObject);
  EXPECT_EQ(v.find("a")->number, 150);
  ASSERT_EQ(v.find("b")->items.size(), 3u);
  EXPECT_TRUE(v.find("b")->items[0].boolean);
  EXPECT_EQ(v.find("b")->items[1].kind, JsonKind::kBool);
  EXPECT_FALSE(v.find("b")->items[1].boolean);
  EXPECT_EQ(v.find("b")->items[2].kind, JsonKind::kNull);
  EXPECT_EQ(v.find("c")->text, "x\"\n\xc3\xa9");  // U+00E9 in UTF-8
  EXPECT_EQ(v.find("d")->kind, JsonKind::kObject);
  EXPECT_EQ(v.find("e")->number, 0);
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(parse_json(R"("\ud83d\ude00")", "doc.json").text, "\xf0\x9f\x98\x80");  // U+1F600 from its UTF-16 pair
}

TEST(JsonReader, RecordsTheLineOfEachValue) {
  const JsonValue v = parse_json("{\n  \"a\": 1,\n\n  \"b\": [\n 2]\n}", "doc.json");
  EXPECT_EQ(v.find("a")->line, 2);
  EXPECT_EQ(v.find("b")->line, 4);
  EXPECT_EQ(v.find("b")->items[0].line, 5);
}

void expect_error(const std::string& text, const std::string& message) {
  try {
    parse_json(text, "bad.json");
    FAIL() << "no error for " << text;
  } catch (const JsonError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(JsonReader, MalformedInputNamesFileAndLine) {
  expect_error("{\"a\": 1,\n \"b\" 2}", "bad.json:2: expected ':', found '2'");
  expect_error("{\"a\": 01}", "bad.json:1: expected ',', found '1'");
  expect_error("[1, 2", "bad.json:1: unexpected end of file");
  expect_error("{\"a\": tru}", "bad.json:1: expected a value, found 't'");
  expect_error("\"abc", "bad.json:1: unterminated string");
  expect_error("{} x", "bad.json:1: unexpected text after the JSON value");
  expect_error("{\n\n 'a': 1}", "bad.json:3: expected a quoted key");
  expect_error("[1.]", "bad.json:1: malformed number");
  expect_error("[1e400]", "bad.json:1: number out of the range of a double");
  expect_error("\"\\u12g4\"", "bad.json:1: malformed \\u escape");
  expect_error("\"\\ud83d x\"", "bad.json:1: unpaired UTF-16 surrogate in a \\u escape");
  EXPECT_THROW(read_json_file("/nonexistent/config.json"), std::runtime_error);
}

}  // namespace
}  // namespace trainsim::kernels::model
