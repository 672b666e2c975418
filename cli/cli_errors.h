// CLI11's parse errors as trainsim's one line: an unknown command or option with a did-you-mean over the app's
// own names, a bad enum value with the list of valid ones, a flag's bad quantity naming the flag; then, at most,
// one line pointing at --help. CLI11's own messages are several lines with the usage.
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
class ParseError;
}  // namespace CLI

namespace trainsim::cli {

// What to print on stderr for `error`, raised while `app` parsed `args` (argv without the program name):
// "trainsim: error: ...\n", then "run 'trainsim <command> --help' for the options\n" where it helps.
std::string describe_parse_error(CLI::App& app, const CLI::ParseError& error, const std::vector<std::string>& args);

// The values an option takes where it is an enum (a CLI::IsMember check, described as "{a,b,c}"), in order;
// empty for any other option. The completion scripts list the same values.
std::vector<std::string> option_choices(const CLI::Option& option);

// Every name the option answers to: "--output", "-o"; the positional's name for a positional.
std::vector<std::string> option_names(const CLI::Option& option);

}  // namespace trainsim::cli
