// Read with yaml-cpp directly (a loader, like core/yaml_reader.cc): the values go on as YAML text, each key's
// mark (0-based line and column) kept to locate what the point's scenario later refuses.
#include "sim/cost/sweep_variants.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "core/input_file.h"
#include "core/yaml_reader.h"

namespace trainsim::sim {
namespace {

SourceLocation located(const std::string& file, const YAML::Node& node, const std::string& key) {
  const YAML::Mark mark = node.Mark();
  return SourceLocation{file, mark.line + 1, mark.column + 1, key};
}

std::string flow_text(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

}  // namespace

std::vector<SweepVariant> parse_sweep_variants(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(SourceLocation{file, e.mark.line + 1, e.mark.column + 1, ""}, "not valid YAML: " + e.msg,
                      "a mapping of variant names to mappings of scenario keys");
  }
  const char* kExpected = "a mapping of variant names to mappings of scenario keys, such as\n  h100-pp16: {cluster.gpu: h100, "
                          "parallelism.pp: 16}";
  if (!root.IsMap() || root.size() == 0)
    throw ConfigError(SourceLocation{file, 1, 1, ""}, "no variants", kExpected);
  std::vector<SweepVariant> variants;
  std::set<std::string> names;
  for (const auto& entry : root) {
    const YAML::Node& name = entry.first;
    if (!name.IsScalar() || name.Scalar().empty())
      throw ConfigError(located(file, name, ""), "a variant without a name", kExpected);
    SweepVariant variant{name.Scalar(), {}};
    if (!names.insert(variant.name).second)
      throw ConfigError(located(file, name, variant.name), "variant '" + variant.name + "' is named twice",
                        "a name of its own for each variant");
    const YAML::Node& settings = entry.second;
    if (!settings.IsNull() && !settings.IsMap())
      throw ConfigError(located(file, settings, variant.name), "variant '" + variant.name + "' is not a mapping of keys",
                        "scenario keys and their values, such as {parallelism.pp: 16}; {} for the scenario as it is");
    if (settings.IsMap()) {
      for (const auto& setting : settings) {
        const YAML::Node& key = setting.first;
        const std::string path = variant.name + "." + (key.IsScalar() ? key.Scalar() : std::string());
        if (!key.IsScalar() || key.Scalar().empty() || key.Scalar().find("..") != std::string::npos ||
            key.Scalar().front() == '.' || key.Scalar().back() == '.')
          throw ConfigError(located(file, key, path), "not a scenario key", "a dotted key path such as parallelism.pp");
        if (setting.second.IsNull())
          throw ConfigError(located(file, key, path), "'" + key.Scalar() + "' has no value", "a value as a scenario file writes it");
        variant.settings.push_back(SweepSetting{key.Scalar(), flow_text(setting.second), located(file, key, path)});
      }
    }
    variants.push_back(std::move(variant));
  }
  return variants;
}

std::vector<SweepVariant> read_sweep_variants(const std::string& path) {
  return parse_sweep_variants(read_yaml_file(path, "variants file", kScenarioFileMaxBytes), path);
}

}  // namespace trainsim::sim
