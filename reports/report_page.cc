// The content model of a report page (report_page.h); its renderings are report_page_html.cc and
// report_page_markdown.cc.
#include "reports/report_page.h"

#include <utility>

namespace trainsim::reports {

PageText prose(std::string text) { return {PageSpan{std::move(text), false}}; }
PageText code(std::string text) { return {PageSpan{std::move(text), true}}; }

PageText operator+(PageText a, const PageText& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

PageBlock paragraph(PageText text) {
  PageBlock block;
  block.kind = PageBlockKind::kParagraph;
  block.text = std::move(text);
  return block;
}

PageBlock bullet_list(std::vector<PageText> items) {
  PageBlock block;
  block.kind = PageBlockKind::kList;
  block.items = std::move(items);
  return block;
}

PageBlock table_block(PageTable table) {
  PageBlock block;
  block.kind = PageBlockKind::kTable;
  block.table = std::move(table);
  return block;
}

PageBlock figure_block(PageFigure figure) {
  PageBlock block;
  block.kind = PageBlockKind::kFigure;
  block.figure = std::move(figure);
  return block;
}

std::vector<PageFigure> page_figures(const ReportPage& page) {
  std::vector<PageFigure> out;
  for (const PageSection& section : page.sections)
    for (const PageBlock& block : section.blocks)
      if (block.kind == PageBlockKind::kFigure) out.push_back(block.figure);
  return out;
}

}  // namespace trainsim::reports
