// A plain-text table for the terminal: columns sized to their widest cell, numbers right-aligned.
#pragma once
#include <string>
#include <vector>

namespace trainsim::reports {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  explicit TextTable(std::vector<std::string> headers, std::vector<Align> aligns = {});
  void add_row(std::vector<std::string> cells);
  std::string render(const std::string& indent = "") const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

// A horizontal bar of `fraction` (0..1) of `width` cells, drawn with block characters.
std::string bar(double fraction, int width);

}  // namespace trainsim::reports
