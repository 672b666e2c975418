// The --set option of the commands that read a scenario: one KEY.PATH=VALUE per use, applied to the scenario's
// YAML tree before it is read (sim::load_scenario), so it is checked and located like the file's own values.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace trainsim::cli {

void add_set_option(CLI::App& command, std::vector<std::string>& overrides) {
  command
      .add_option("--set", overrides,
                  "Set a scenario value, KEY.PATH=VALUE with the value as YAML, overriding the file or adding the key: "
                  "--set parallelism.pp=8 --set cluster.gpu=h100; repeatable")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
}

}  // namespace trainsim::cli
