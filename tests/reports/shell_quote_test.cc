// Shell quoting by hand (POSIX single quotes), and by law: /bin/sh reads every quoted word back as the exact text.
#include "reports/shell_quote.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace trainsim::reports {
namespace {

TEST(ShellQuote, PlainWordsStayBareTheRestSingleQuoted) {
  EXPECT_EQ(shell_quote("/opt/trainsim/bin/trainsim"), "/opt/trainsim/bin/trainsim");
  EXPECT_EQ(shell_quote("--fidelity"), "--fidelity");
  EXPECT_EQ(shell_quote("parallelism.pp=8,16"), "'parallelism.pp=8,16'");  // '=' could make a word an assignment
  EXPECT_EQ(shell_quote("run 1"), "'run 1'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");  // close, an escaped quote, reopen
  EXPECT_EQ(shell_quote(""), "''");              // an empty argument stays an argument
  EXPECT_EQ(shell_join({"a", "b c", "d"}), "a 'b c' d");
}

// What `sh -c 'printf %s WORD'` prints: the shell's own reading of the word.
std::string read_back_by_shell(const std::string& word) {
  const std::string command = "printf %s " + word;
  FILE* pipe = popen(("sh -c " + shell_quote(command)).c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string out;
  char buffer[256];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST(ShellQuote, TheShellReadsEveryWordBackExactly) {
  for (const std::string text : {"a b", "$HOME", "`id`", "$(id)", "x'y\"z", "*", "~", "#c", "a=b", "\\", "{0..2}",
                                 "two\nlines", "tab\there", "'", "''", "%s", "-n", "a;b|c&d>e<f"})
    EXPECT_EQ(read_back_by_shell(shell_quote(text)), text) << shell_quote(text);
}

}  // namespace
}  // namespace trainsim::reports
