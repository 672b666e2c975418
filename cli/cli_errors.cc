// Reformatting of CLI11 errors. The command and option names come from the App tree, so a new flag is
// suggested without a list here.
#include "cli/cli_errors.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "core/did_you_mean.h"

namespace trainsim::cli {
namespace {

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

std::string with_hint(std::string message, const std::string& hint) {
  return hint.empty() ? message : message + "; " + hint;
}

// CLI11 messages can span lines; trainsim's errors are one.
std::string spaces_for_line_breaks(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

std::string unknown_option(const CLI::App& command, const std::string& word) {
  const std::string name = word.substr(0, word.find('='));
  std::vector<std::string> known;
  for (const CLI::Option* option : command.get_options())
    if (option->nonpositional())
      for (const std::string& n : option_names(*option)) known.push_back(n);
  return with_hint("unknown option '" + name + "'", did_you_mean(name, known));
}

std::string unknown_command(const CLI::App& app, const std::string& word) {
  const std::vector<std::string> names = command_names(app);
  const std::string hint = did_you_mean(word, names);
  return with_hint("unknown command '" + word + "'", hint.empty() ? "expected one of " + joined(names, ", ") : hint);
}

// "--fidelity: fast not in {analytic,stage,gpu}" (CLI11's IsMember) as the value and the list of valid ones.
std::string invalid_value(const CLI::App& command, const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return spaces_for_line_breaks(message);
  const std::string name = message.substr(0, colon);
  const CLI::Option* option = command.get_option_no_throw(name);
  const std::vector<std::string> choices = option ? option_choices(*option) : std::vector<std::string>{};
  const size_t not_in = message.rfind(" not in {");
  if (choices.empty() || not_in == std::string::npos || not_in < colon + 2) return spaces_for_line_breaks(message);
  const std::string value = message.substr(colon + 2, not_in - colon - 2);
  return with_hint(fmt::format("{}: invalid value '{}'; expected one of {}", name, value, joined(choices, ", ")),
                   did_you_mean(value, choices));
}

// "Could not convert: --pp = abc" (CLI11's ConversionError) as the flag and the value it could not read.
std::string unreadable_value(const std::string& message) {
  const std::string prefix = "Could not convert: ";
  const size_t equals = message.find(" = ");
  if (!message.starts_with(prefix) || equals == std::string::npos) return spaces_for_line_breaks(message);
  return spaces_for_line_breaks(fmt::format("{}: cannot read '{}' as a number", message.substr(prefix.size(), equals - prefix.size()),
                              message.substr(equals + 3)));
}

}  // namespace

std::vector<std::string> option_choices(const CLI::Option& option) {
  CLI::Option& mutable_option = const_cast<CLI::Option&>(option);  // NOTE: CLI11 2.1 lists validators non-const only
  std::vector<std::string> values;
  for (int index = 0;; ++index) {
    CLI::Validator* validator = nullptr;
    try {
      validator = mutable_option.get_validator(index);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
    const std::string set = validator->get_description();
    if (set.size() < 2 || set.front() != '{' || set.back() != '}') continue;
    for (size_t start = 1; start < set.size();) {
      const size_t comma = std::min(set.find(',', start), set.size() - 1);
      values.push_back(set.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return values;
}

std::vector<std::string> option_names(const CLI::Option& option) {
  std::vector<std::string> names;
  for (const std::string& n : option.get_lnames()) names.push_back("--" + n);
  for (const std::string& n : option.get_snames()) names.push_back("-" + n);
  if (names.empty()) names.push_back(option.get_name());
  return names;
}

std::string describe_parse_error(CLI::App& app, const CLI::ParseError& error, const std::vector<std::string>& args) {
  const std::vector<CLI::App*> parsed = app.get_subcommands();
  const CLI::App* command = parsed.empty() ? nullptr : parsed.front();
  const auto word = std::find_if(args.begin(), args.end(), [](const std::string& a) { return !a.starts_with("-"); });
  const auto dashed = std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.starts_with("-"); });
  std::string message;
  if (!command) {
    if (word != args.end() && (dashed == args.end() || word < dashed))
      message = unknown_command(app, *word);
    else if (dashed != args.end())
      message = unknown_option(app, *dashed);
    else
      message = "a command is required (one of " + joined(command_names(app), ", ") + ")";
  } else if (dynamic_cast<const CLI::ExtrasError*>(&error)) {
    std::vector<std::string> extras = command->remaining(true);
    for (const std::string& e : app.remaining()) extras.push_back(e);
    if (extras.empty())
      message = spaces_for_line_breaks(error.what());
    else if (extras.front().starts_with("-"))
      message = unknown_option(*command, extras.front());
    else
      message = fmt::format("unexpected argument '{}' for {}", extras.front(), command->get_name());
  } else if (dynamic_cast<const CLI::ValidationError*>(&error)) {
    message = invalid_value(*command, error.what());
  } else if (dynamic_cast<const CLI::ConversionError*>(&error)) {
    message = unreadable_value(error.what());
  } else {
    message = spaces_for_line_breaks(error.what());
  }
  const std::string pointer = command ? fmt::format("run 'trainsim {} --help' for the options", command->get_name())
                                      : "run 'trainsim --help' for the commands";
  return "trainsim: error: " + message + "\n" + pointer + "\n";
}

}  // namespace trainsim::cli
