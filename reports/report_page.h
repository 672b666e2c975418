// ReportPage: the content of a report page (`trainsim run --report DIR`, a sweep's index.html) held once, then
// rendered as a self-contained HTML page (inline CSS and SVG, no script, nothing fetched) or as Markdown with its
// pictures as SVG files beside it; one content, two renderings, so that the two cannot say different things.
#pragma once
#include <string>
#include <vector>

namespace trainsim::reports {

// A run of text, set as code (a command, a file, a key) or as prose.
struct PageSpan {
  std::string text;
  bool code = false;
};
using PageText = std::vector<PageSpan>;

PageText prose(std::string text);
PageText code(std::string text);
PageText operator+(PageText a, const PageText& b);

struct PageTable {
  std::vector<std::string> header;
  std::vector<bool> right_aligned;  // per column; missing columns are left-aligned
  std::vector<std::vector<std::string>> rows;
  bool last_row_is_total = false;   // set apart (bold) in both renderings
};

// A picture: its SVG, inlined into the HTML and written as `file` beside the Markdown.
struct PageFigure {
  std::string file;     // a plain file name ("step-time.svg"): no folder, unique within the page
  std::string svg;      // a whole SVG document (svg_document_open ...)
  std::string caption;  // what it shows; also the Markdown image's alternative text
};

enum class PageBlockKind { kParagraph, kList, kTable, kFigure };

struct PageBlock {
  PageBlockKind kind = PageBlockKind::kParagraph;
  PageText text;               // kParagraph
  std::vector<PageText> items;  // kList
  PageTable table;             // kTable
  PageFigure figure;           // kFigure
};

PageBlock paragraph(PageText text);
PageBlock bullet_list(std::vector<PageText> items);
PageBlock table_block(PageTable table);
PageBlock figure_block(PageFigure figure);

struct PageSection {
  std::string id;       // the HTML anchor: lower case letters, digits and '-'
  std::string heading;
  std::vector<PageBlock> blocks;
};

struct ReportPage {
  std::string title;
  std::vector<PageText> lead;  // paragraphs under the title: what the page is and how to regenerate it
  std::vector<PageSection> sections;
};

// <!DOCTYPE html> and one well-formed document (every element closed, as XHTML would have it): inline CSS, each
// figure's SVG inlined without its XML declaration, a table of contents linking the sections. No <script>, no
// external URL. Text is HTML-escaped. Deterministic.
std::string report_page_html(const ReportPage& page);

// The same sections as CommonMark with pipe tables (GitHub's), each figure an image referring to its file;
// text escaped so that it reads as written (*, _, |, <, [ ...). Deterministic.
std::string report_page_markdown(const ReportPage& page);

// The page's figures in order (the files to write beside report.md).
std::vector<PageFigure> page_figures(const ReportPage& page);

}  // namespace trainsim::reports
