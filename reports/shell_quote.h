// One word for a POSIX shell (sh, bash): the text between single quotes, each ' written as '\'' (POSIX.1-2017,
// Shell Command Language 2.2.2: nothing inside single quotes is special, and a single quote cannot occur there).
#pragma once
#include <string>
#include <vector>

namespace trainsim::reports {

// `text` as one shell word that the shell reads back as exactly `text` (any bytes but NUL): left bare when it
// holds only characters no shell treats specially (ASCII letters, digits, and + , - . / : @ _), else
// single-quoted.
std::string shell_quote(const std::string& text);

// The words quoted one by one and joined with single spaces.
std::string shell_join(const std::vector<std::string>& words);

}  // namespace trainsim::reports
