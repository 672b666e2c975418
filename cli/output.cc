// Output helpers shared by the subcommands.
#include "cli/output.h"

#include <cstdio>
#include <filesystem>

namespace trainsim::cli {

void emit(const std::string& text, const std::string& output_path) {
  OutputFiles outputs;
  outputs.stage(outputs.plan("-o", output_path), text);
  commit_outputs(outputs);
}

void commit_outputs(OutputFiles& outputs) {
  outputs.commit();
  for (OutputFiles::Id id = 0; id < outputs.size(); ++id)
    if (outputs.kind(id) != OutputKind::kStandardOutput)
      std::fprintf(stderr, "trainsim: wrote %s\n", outputs.path(id).c_str());
}

std::string default_scenario_path() {
  const std::string relative = "scenarios/deepseek-v3-2048xh800.yaml";
  if (std::filesystem::exists(relative)) return relative;
  return std::string(TRAINSIM_SOURCE_DIR) + "/" + relative;
}

}  // namespace trainsim::cli
