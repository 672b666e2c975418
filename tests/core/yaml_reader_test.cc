// ConfigNode: every error names file, line, column and key path, and says what was expected.
#include "core/yaml_reader.h"

#include <gtest/gtest.h>

namespace trainsim {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const char* kText =
    "cluster:\n"
    "  nic_bandwidth: 400 Gb/s\n"
    "  nodes: 256\n"
    "  bare: 400\n"
    "  lst: [1, 2]\n";

TEST(YamlReader, ReadsQuantitiesAndIntegers) {
  ConfigNode root = ConfigNode::parse(kText, "x.yaml");
  ConfigNode cluster = root.require("cluster");
  EXPECT_DOUBLE_EQ(cluster.require("nic_bandwidth").as_quantity(Dimension::kBytesPerSecond), 50e9);
  EXPECT_EQ(cluster.require("nodes").as_integer(1, 100000), 256);
  EXPECT_EQ(cluster.require("lst").elements().size(), 2u);
  EXPECT_EQ(cluster.require("lst").elements()[1].path(), "cluster.lst[1]");
}

TEST(YamlReader, BareNumberForAUnitNamesTheLine) {
  ConfigNode root = ConfigNode::parse(kText, "x.yaml");
  EXPECT_EQ(error_of([&] { root.require("cluster").require("bare").as_quantity(Dimension::kBytesPerSecond); }),
            "x.yaml:4:9: cluster.bare: unknown or missing bandwidth unit in '400' (GB/s, GiB/s, TB/s, or bits: "
            "Gb/s, Gbps) (expected a bandwidth such as \"50 GB/s\" or \"400 Gb/s\")");
}

TEST(YamlReader, UnknownKeySuggestsTheNearestOne) {
  ConfigNode root = ConfigNode::parse(kText, "x.yaml");
  const std::vector<std::string> allowed{"nic_bandwidth", "nodes", "bare", "list"};
  const std::string message = error_of([&] { root.require("cluster").allow_only(allowed); });
  EXPECT_NE(message.find("x.yaml:5:3: cluster.lst: unknown key 'lst'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'list'?"), std::string::npos) << message;
}

TEST(YamlReader, MissingFieldAndWrongType) {
  ConfigNode root = ConfigNode::parse(kText, "x.yaml");
  EXPECT_NE(error_of([&] { root.require("cluster").require("gpu"); }).find("cluster.gpu: missing field"),
            std::string::npos);
  EXPECT_NE(error_of([&] { root.require("cluster").require("lst").as_integer(0, 9); }).find("is a list"),
            std::string::npos);
  EXPECT_NE(error_of([&] { root.require("cluster").require("nodes").as_integer(1, 100); }).find("256 is out of range"),
            std::string::npos);
}

TEST(YamlReader, SyntaxErrorsNameTheLine) {
  const std::string message = error_of([] { ConfigNode::parse("a: [1, 2\nb: 3\n", "bad.yaml"); });
  EXPECT_EQ(message.rfind("bad.yaml:", 0), 0u) << message;
  EXPECT_NE(message.find("not valid YAML"), std::string::npos);
}

// A quoted value with a blank line inside holds a line break; quoted back, it must not break the one-line
// message the command line prints.
TEST(YamlReader, AMultiLineValueStaysOnOneLineInTheMessage) {
  const ConfigNode root = ConfigNode::parse("n: 'a\n\n  b'\n", "s.yaml");
  const std::string message = error_of([&] { root.require("n").as_integer(1, 100); });
  EXPECT_EQ(message, "s.yaml:1:4: n: 'a\\nb' is not a whole number (expected a whole number from 1 to 100)");
}

}  // namespace
}  // namespace trainsim
