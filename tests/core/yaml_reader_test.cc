// ConfigNode: every error names file, line, column and key path, and says what was expected.
#include "core/yaml_reader.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/input_ranges.h"

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

// A value in SI units as a file would write it ("1e+06 B/s"), to step just past a range's ends.
std::string si_text(Dimension dimension, double value) {
  const std::string n = fmt::format("{:.17g}", value);
  switch (dimension) {
    case Dimension::kBytesPerSecond: return n + " B/s";
    case Dimension::kSeconds: return n + " s";
    case Dimension::kFlopsPerSecond: return n + " FLOP/s";
    case Dimension::kBytes: return n + " B";
    case Dimension::kHertz: return n + " Hz";
    case Dimension::kWatts: return n + " W";
    case Dimension::kUsdPerHour: return fmt::format("${:.17g}/h", value * 3600);
    default: return n;
  }
}

double read_in_range(const QuantityRange& range, const std::string& text) {
  return ConfigNode::parse("v: \"" + text + "\"\n", "x.yaml").require("v").as_quantity(range);
}

struct NamedRange {
  const char* name;
  QuantityRange range;
};

// Every quantity range: its ends are accepted, a millionth beyond either end is a located error naming the
// range; below a minimum of 0, a negative value; where 0 is allowed below the minimum, 0 itself.
TEST(YamlReader, EachQuantityRangeAcceptsItsEndsAndRejectsJustBeyond) {
  for (const NamedRange& n : {NamedRange{"bandwidth", ranges::kBandwidth}, {"latency", ranges::kLatency},
                              {"price", ranges::kPricePerGpuHour}, {"tensor peak", ranges::kTensorPeak},
                              {"fp8 peak", ranges::kFp8Peak}, {"hbm", ranges::kHbmCapacity},
                              {"clock", ranges::kBoostClock}, {"power", ranges::kBoardPower}, {"tokens", ranges::kTokens}}) {
    const QuantityRange& r = n.range;
    EXPECT_NO_THROW(read_in_range(r, std::string(r.min_text))) << n.name;
    EXPECT_NO_THROW(read_in_range(r, std::string(r.max_text))) << n.name;
    const std::string above = si_text(r.dimension, r.max * (1 + 1e-6));
    const std::string below = r.min > 0 ? si_text(r.dimension, r.min * (1 - 1e-6)) : si_text(r.dimension, -1e-9);
    for (const std::string& outside : {above, below}) {
      const std::string message = error_of([&] { read_in_range(r, outside); });
      EXPECT_EQ(message.rfind("x.yaml:1:4: v: '" + outside + "' is out of range (expected " + r.text() + "); hint: why this range: ", 0), 0u)
          << n.name << ": " << message;
    }
    if (r.zero_allowed) {
      EXPECT_EQ(read_in_range(r, si_text(r.dimension, 0)), 0) << n.name;
    }
  }
}

TEST(YamlReader, TheRangeReadsAsTheUserWouldWriteIt) {
  EXPECT_EQ(error_of([] { read_in_range(ranges::kBandwidth, "1e-300 GB/s"); }),
            "x.yaml:1:4: v: '1e-300 GB/s' is out of range (expected a bandwidth from 1 MB/s to 1 PB/s); hint: why this "
            "range: below any datacenter link; over 100x the fastest HBM today (B200, 8 TB/s)");
  EXPECT_NE(error_of([] { read_in_range(ranges::kLatency, "1e300 d"); }).find("'1e300 d' is out of range (expected a time from 0 s to 1 s)"),
            std::string::npos);
}

TEST(YamlReader, ANumberThatOverflowsWithItsUnitIsNoQuantity) {
  // 1e300 x 1e12 is past the largest double: it would read as inf.
  EXPECT_EQ(error_of([] { read_in_range(ranges::kTokens, "1e300T"); }),
            "x.yaml:1:4: v: '1e300T' is too large a number (expected a count from 1 to 10000T)");
  EXPECT_NE(error_of([] { read_in_range(ranges::kTokens, "inf"); }).find("'inf' is not a number"), std::string::npos);
  EXPECT_NE(error_of([] { read_in_range(ranges::kTokens, "nan"); }).find("'nan' is not a number"), std::string::npos);
}

TEST(YamlReader, MinusZeroReadsAsZero) {
  const double zero = read_in_range(ranges::kLatency, "-0 s");
  EXPECT_EQ(zero, 0);
  EXPECT_FALSE(std::signbit(zero));  // or a report would print "-0 s"
}

TEST(YamlReader, IntegerRangesNameTheirEnds) {
  const ConfigNode root = ConfigNode::parse("pp: 4097\n", "x.yaml");
  EXPECT_EQ(error_of([&] { root.require("pp").as_integer(ranges::kPipelineDegree); }),
            "x.yaml:1:5: pp: 4097 is out of range (expected a whole number from 1 to 4096)");
  EXPECT_EQ(ConfigNode::parse("pp: 4096\n", "x.yaml").require("pp").as_integer(ranges::kPipelineDegree), 4096);
}

TEST(YamlReader, AListIsCountedWithoutReadingItsElements) {
  EXPECT_EQ(ConfigNode::parse("l: [1, 2, 3]\n", "x.yaml").require("l").element_count(), 3u);
  EXPECT_NE(error_of([] { ConfigNode::parse("l: 3\n", "x.yaml").require("l").element_count(); }).find("is not a list"),
            std::string::npos);
}

}  // namespace
}  // namespace trainsim
