// A ReportPage as CommonMark with GitHub's pipe tables (report_page.h); figures are images of the SVG files
// written beside the page.
#include <fmt/format.h>

#include <algorithm>

#include "reports/report_page.h"

namespace trainsim::reports {
namespace {

// Prose with the characters Markdown would read as markup backslash-escaped (CommonMark escapes any ASCII
// punctuation this way), so that "fp8_gemm" or "a | b" read as written.
std::string escape_markdown(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\`*_[]<>|#$").find(c) != std::string_view::npos) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// A code span: fenced by one more backtick than the longest run inside it, padded where it starts or ends with
// one (CommonMark 6.1).
std::string code_span(const std::string& text) {
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

std::string text_markdown(const PageText& text) {
  std::string out;
  for (const PageSpan& span : text) out += span.code ? code_span(span.text) : escape_markdown(span.text);
  return out;
}

std::string table_markdown(const PageTable& table) {
  auto right = [&](std::size_t c) { return c < table.right_aligned.size() && table.right_aligned[c]; };
  std::string out = "|";
  for (const std::string& h : table.header) out += " " + escape_markdown(h) + " |";
  out += "\n|";
  for (std::size_t c = 0; c < table.header.size(); ++c) out += right(c) ? " ---: |" : " --- |";
  out += "\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const bool total = table.last_row_is_total && r + 1 == table.rows.size();
    out += "|";
    for (const std::string& cell : table.rows[r])
      out += " " + (total && !cell.empty() ? "**" + escape_markdown(cell) + "**" : escape_markdown(cell)) + " |";
    out += "\n";
  }
  return out;
}

std::string block_markdown(const PageBlock& block) {
  switch (block.kind) {
    case PageBlockKind::kParagraph: return text_markdown(block.text) + "\n";
    case PageBlockKind::kList: {
      std::string out;
      for (const PageText& item : block.items) out += "- " + text_markdown(item) + "\n";
      return out;
    }
    case PageBlockKind::kTable: return table_markdown(block.table);
    case PageBlockKind::kFigure:
      return fmt::format("![{}]({})\n", escape_markdown(block.figure.caption), block.figure.file);
  }
  return "";
}

}  // namespace

std::string report_page_markdown(const ReportPage& page) {
  std::string out = "# " + escape_markdown(page.title) + "\n\n";
  for (const PageText& lead : page.lead) out += text_markdown(lead) + "\n\n";
  for (const PageSection& section : page.sections) {
    out += "## " + escape_markdown(section.heading) + "\n\n";
    for (const PageBlock& block : section.blocks) out += block_markdown(block) + "\n";
  }
  return out;
}

}  // namespace trainsim::reports
