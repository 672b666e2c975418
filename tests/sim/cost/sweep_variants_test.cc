// A variants file: names in file order, each key's value as YAML text with its line, and every malformed file
// refused at its line.
#include "sim/cost/sweep_variants.h"

#include <gtest/gtest.h>

#include "sim/cost/sweep.h"

namespace trainsim::sim {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_sweep_variants(text, "v.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SweepVariants, NamesInFileOrderWithTheirKeysAndLines) {
  const std::vector<SweepVariant> v = parse_sweep_variants(
      "baseline: {}\n"
      "h100-pp2:\n"
      "  cluster.gpu: {type: h100, hbm_capacity: 96 GiB}\n"
      "  parallelism.pp: 2\n"
      "as-is:\n",
      "v.yaml");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].name, "baseline");
  EXPECT_TRUE(v[0].settings.empty());
  EXPECT_EQ(v[1].name, "h100-pp2");
  ASSERT_EQ(v[1].settings.size(), 2u);
  EXPECT_EQ(v[1].settings[0].key, "cluster.gpu");
  EXPECT_EQ(v[1].settings[0].value_yaml, "{type: h100, hbm_capacity: 96 GiB}");
  EXPECT_EQ(v[1].settings[0].where.to_string(), "v.yaml:3:3: h100-pp2.cluster.gpu");
  EXPECT_EQ(v[1].settings[1].value_yaml, "2");
  EXPECT_EQ(v[1].settings[1].where.line, 4);
  EXPECT_EQ(v[2].name, "as-is");  // no keys: the scenario as it is
  const SweepAxis axis = variant_axis(v);
  EXPECT_EQ(axis.key, "variant");
  EXPECT_EQ(axis.values, (std::vector<std::string>{"baseline", "h100-pp2", "as-is"}));
}

TEST(SweepVariants, MalformedFilesAreLocated) {
  EXPECT_NE(error_of("- a\n- b\n").find("v.yaml:1:1: no variants"), std::string::npos);
  EXPECT_NE(error_of("").find("no variants"), std::string::npos);
  EXPECT_NE(error_of("a: {x: 1}\nb: {}\na: {y: 2}\n").find("v.yaml:3:1: a: variant 'a' is named twice"), std::string::npos)
      << error_of("a: {x: 1}\nb: {}\na: {y: 2}\n");
  EXPECT_NE(error_of("a: {}\nb: 16\n").find("v.yaml:2:4: b: variant 'b' is not a mapping"), std::string::npos)
      << error_of("a: {}\nb: 16\n");
  EXPECT_NE(error_of("a:\n  parallelism.pp:\n").find("v.yaml:2:3: a.parallelism.pp: 'parallelism.pp' has no value"),
            std::string::npos)
      << error_of("a:\n  parallelism.pp:\n");
  EXPECT_NE(error_of("a: {parallelism..pp: 2}\n").find("not a scenario key"), std::string::npos);
  EXPECT_NE(error_of("a: {b: [1, 2}\n").find("v.yaml:1:"), std::string::npos) << error_of("a: {b: [1, 2}\n");
}

}  // namespace
}  // namespace trainsim::sim
