// The JSON field reader's errors (json_fields.h): each names the file, the key's path, what was found and what
// was expected, and the reader's hint; values in range come back as they are written.
#include "core/json_fields.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace trainsim {
namespace {

// The ConfigError `f` throws, as text ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(JsonFields, ReadsFieldsInRangeAndNamesFileKeyAndHintOtherwise) {
  const JsonFields fields("results.json", "written by the harness");
  const nlohmann::json root =
      fields.parse_object(R"({"name": "H100", "calls": [{"seconds": 2.5e-6, "sms": 132, "idle": 0}]})");
  const nlohmann::json& call = root.at("calls").at(0);
  EXPECT_EQ(fields.text(root, "name", ""), "H100");
  EXPECT_EQ(fields.positive(call, "seconds", "calls[0]"), 2.5e-6);
  EXPECT_EQ(fields.non_negative(call, "idle", "calls[0]"), 0);
  EXPECT_EQ(fields.whole(call, "sms", 1, 132, "calls[0]"), 132);

  const std::string missing = error_of([&] { (void)fields.member(call, "kernel", "calls[0]"); });
  EXPECT_NE(missing.find("results.json"), std::string::npos) << missing;
  EXPECT_NE(missing.find("calls[0].kernel"), std::string::npos) << missing;
  EXPECT_NE(missing.find("is missing"), std::string::npos) << missing;
  EXPECT_NE(missing.find("written by the harness"), std::string::npos) << missing;
  const std::string above = error_of([&] { (void)fields.whole(call, "sms", 1, 100, "calls[0]"); });
  EXPECT_NE(above.find("calls[0].sms: is 132"), std::string::npos) << above;
  EXPECT_NE(above.find("a whole number, 1 to 100"), std::string::npos) << above;
  EXPECT_NE(error_of([&] { (void)fields.positive(call, "idle", "calls[0]"); }).find("a number above zero"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)fields.text(call, "seconds", "calls[0]"); }).find("a non-empty string"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)fields.parse_object("[1, 2]"); }).find("is not a JSON object"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)fields.parse_object("{\"a\": "); }).find("is not JSON"), std::string::npos);
  EXPECT_EQ(JsonFields::join("", "format"), "format");
  EXPECT_EQ(JsonFields::join("calls[3]", "seconds"), "calls[3].seconds");
}

}  // namespace
}  // namespace trainsim
