// Presets are the JSON files of models/presets, embedded by cmake/TrainsimEmbed.cmake.
#include "models/model_presets.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/did_you_mean.h"
#include "core/embedded_file.h"
#include "core/error.h"
#include "core/input_file.h"
#include "models/hf_config.h"

namespace trainsim {
std::span<const EmbeddedFile> model_preset_files();  // generated
}

namespace trainsim::models {

namespace {
std::string stem(std::string_view file_name) {
  return std::string(file_name.substr(0, file_name.rfind('.')));
}
}  // namespace

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const EmbeddedFile& file : model_preset_files())
    if (file.name.ends_with(".json")) names.push_back(stem(file.name));
  std::sort(names.begin(), names.end());
  return names;
}

ModelConfig load_preset(const std::string& name, const SourceLocation& where) {
  for (const EmbeddedFile& file : model_preset_files())
    if (file.name.ends_with(".json") && stem(file.name) == name)
      return model_from_hf_json(std::string(file.text), "preset " + name, name);
  const std::vector<std::string> names = preset_names();
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  // A near name is a typo worth fixing; anything else is a model without a preset, which its config reads.
  std::string hint = did_you_mean(name, names);
  if (hint.empty())
    hint = "a model without a preset is read from its HuggingFace config.json: model: {config: path/to/config.json}";
  throw ConfigError(where, "unknown model preset '" + name + "'", "one of " + known, hint);
}

ModelConfig load_hf_config_file(const std::string& path, const SourceLocation& where) {
  const std::optional<std::string> text = read_input_file(path, "HuggingFace config", kHfConfigFileMaxBytes, where);
  if (!text) throw ConfigError(where, "cannot read HuggingFace config '" + path + "'", "a readable config.json");
  const std::filesystem::path p(path);
  const std::string name = p.filename() == "config.json" ? p.parent_path().filename().string() : p.stem().string();
  return model_from_hf_json(*text, path, name.empty() ? "model" : name);
}

}  // namespace trainsim::models
