// A ReportPage as one self-contained HTML document (report_page.h): the style sheet inline, the figures' SVG
// inline, no script and nothing to fetch, so the file reads the same offline, attached to a mail or archived.
#include <fmt/format.h>

#include "reports/report_page.h"
#include "reports/svg_text.h"

namespace trainsim::reports {
namespace {

// Readable tables of numbers (tabular digits, right-aligned, banded rows) and pictures no wider than the page;
// a wide timeline scrolls inside its figure instead of widening the page.
constexpr const char* kStyle = R"css(
body { margin: 0; background: #f6f7f9; color: #1d2430; font: 15px/1.5 "Helvetica Neue", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d8dde6; }
p.lead { color: #4a5568; margin: 4px 0; }
nav { margin: 16px 0 8px; font-size: 14px; }
nav a { margin-right: 14px; color: #2b6cb0; text-decoration: none; }
code { font: 13px/1.4 Menlo, Consolas, "DejaVu Sans Mono", monospace; background: #eef1f5; padding: 1px 4px; border-radius: 3px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px; border-bottom: 1px solid #e2e6ec; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid #c3cad5; }
figure { margin: 12px 0 20px; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figure.wide svg { max-width: none; }
figcaption { color: #4a5568; font-size: 13px; margin-top: 4px; }
ul { margin: 4px 0 12px; padding-left: 22px; }
li { margin: 2px 0; }
)css";

// Past this width a picture keeps its size and scrolls (a pipeline timeline of many micro-batches); narrower ones
// shrink to the page. Assumption: about the page's text width (1180 px less its padding).
constexpr double kWideFigurePx = 1400;

std::string text_html(const PageText& text) {
  std::string out;
  for (const PageSpan& span : text)
    out += span.code ? "<code>" + xml_escape(span.text) + "</code>" : xml_escape(span.text);
  return out;
}

// The SVG document without its XML declaration, which has no place inside HTML.
std::string inline_svg(const std::string& svg) {
  if (svg.rfind("<?xml", 0) != 0) return svg;
  const std::size_t end = svg.find("?>");
  std::size_t start = end == std::string::npos ? 0 : end + 2;
  while (start < svg.size() && (svg[start] == '\n' || svg[start] == '\r')) ++start;
  return svg.substr(start);
}

// The width="..." of the <svg> element, 0 when absent.
double svg_width_px(const std::string& svg) {
  const std::size_t open = svg.find("<svg");
  if (open == std::string::npos) return 0;
  const std::size_t at = svg.find("width=\"", open);
  if (at == std::string::npos) return 0;
  try {
    return std::stod(svg.substr(at + 7, 16));
  } catch (const std::exception&) {
    return 0;
  }
}

std::string table_html(const PageTable& table) {
  auto right = [&](std::size_t c) { return c < table.right_aligned.size() && table.right_aligned[c]; };
  std::string out = "<table>\n<thead><tr>";
  for (std::size_t c = 0; c < table.header.size(); ++c)
    out += fmt::format("<th{}>{}</th>", right(c) ? " class=\"num\"" : "", xml_escape(table.header[c]));
  out += "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const bool total = table.last_row_is_total && r + 1 == table.rows.size();
    out += total ? "<tr class=\"total\">" : "<tr>";
    for (std::size_t c = 0; c < table.rows[r].size(); ++c)
      out += fmt::format("<td{}>{}</td>", right(c) ? " class=\"num\"" : "", xml_escape(table.rows[r][c]));
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string block_html(const PageBlock& block) {
  switch (block.kind) {
    case PageBlockKind::kParagraph: return "<p>" + text_html(block.text) + "</p>\n";
    case PageBlockKind::kList: {
      std::string out = "<ul>\n";
      for (const PageText& item : block.items) out += "<li>" + text_html(item) + "</li>\n";
      return out + "</ul>\n";
    }
    case PageBlockKind::kTable: return table_html(block.table);
    case PageBlockKind::kFigure: {
      const PageFigure& f = block.figure;
      const bool wide = svg_width_px(f.svg) > kWideFigurePx;
      return fmt::format("<figure id=\"{}\"{}>\n{}<figcaption>{}</figcaption>\n</figure>\n", xml_escape(f.file),
                         wide ? " class=\"wide\"" : "", inline_svg(f.svg), xml_escape(f.caption));
    }
  }
  return "";
}

}  // namespace

std::string report_page_html(const ReportPage& page) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  out += "<title>" + xml_escape(page.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>" + xml_escape(page.title) + "</h1>\n";
  for (const PageText& lead : page.lead) out += "<p class=\"lead\">" + text_html(lead) + "</p>\n";
  out += "<nav>";
  for (const PageSection& section : page.sections)
    out += fmt::format("<a href=\"#{}\">{}</a>", xml_escape(section.id), xml_escape(section.heading));
  out += "</nav>\n";
  for (const PageSection& section : page.sections) {
    out += fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n", xml_escape(section.id), xml_escape(section.heading));
    for (const PageBlock& block : section.blocks) out += block_html(block);
    out += "</section>\n";
  }
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace trainsim::reports
