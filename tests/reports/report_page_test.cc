// The two renderings of a ReportPage by hand: HTML escaping and self-containment (no script, nothing fetched),
// a well-formed document, figures inlined without their XML declaration; Markdown escaping as CommonMark reads it
// (section 2.4 backslash escapes, 6.1 code spans), pipe tables with their alignment row, figures as image files;
// and the same sections in both.
#include "reports/report_page.h"

#include <gtest/gtest.h>

#include "reports/svg_text.h"
#include "tests/reports/xml_check.h"
#include "tests/reports/text_count.h"

namespace trainsim::reports {
namespace {

ReportPage sample_page() {
  ReportPage page;
  page.title = "a < b & \"c\"";
  page.lead.push_back(prose("Written by ") + code("trainsim run x.yaml --report out"));
  PageTable table{{"kernel family", "time"}, {false, true}, {{"fp8_gemm", "1.0 s"}, {"a | b", "<script>alert(1)</script>"}}};
  table.rows.push_back({"total", "2.0 s"});
  table.last_row_is_total = true;
  std::string svg = svg_document_open(100, 50) + "<rect x=\"1\" y=\"1\" width=\"10\" height=\"10\" fill=\"#ff0000\"/>\n</svg>\n";
  page.sections.push_back({"step-time", "Step time", {paragraph(prose("2 * 3 = [6] #1 $5")), table_block(table)}});
  page.sections.push_back({"pictures", "Pictures", {figure_block({"bars.svg", svg, "Bars by kind"}),
                                                    bullet_list({prose("first"), code("a`b")})}});
  return page;
}

TEST(ReportPageHtml, EscapesTextAndFetchesNothing) {
  const std::string html = report_page_html(sample_page());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(html.find("<title>a &lt; b &amp; &quot;c&quot;</title>"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // Self-contained: no script, no linked style sheet or image, no URL but the SVG namespace (a name, not fetched).
  for (const char* absent : {"<script", "<link", "<img", "src=", "url(", "@import", "https://"})
    EXPECT_EQ(html.find(absent), std::string::npos) << absent;
  EXPECT_EQ(occurrences(html, "http://"), occurrences(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(occurrences(html, "<style>"), 1u);
}

TEST(ReportPageHtml, IsOneWellFormedDocumentWithTheFiguresInline) {
  const std::string html = report_page_html(sample_page());
  const std::string body = html.substr(html.find('\n') + 1);  // after the doctype, which is not XML
  EXPECT_EQ(xml_problem(body), "");
  EXPECT_EQ(html.find("<?xml"), std::string::npos);  // the figure's declaration dropped
  EXPECT_EQ(occurrences(html, "<svg "), 1u);
  EXPECT_NE(html.find("<figcaption>Bars by kind</figcaption>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">1.0 s</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"total\"><td>total</td>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"#step-time\">Step time</a>"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"pictures\">\n<h2>Pictures</h2>"), std::string::npos);
  EXPECT_NE(html.find("<code>trainsim run x.yaml --report out</code>"), std::string::npos);
}

TEST(ReportPageMarkdown, EscapesAsCommonMarkReadsIt) {
  const std::string md = report_page_markdown(sample_page());
  EXPECT_EQ(md.rfind("# a \\< b & \"c\"\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("Written by `trainsim run x.yaml --report out`\n"), std::string::npos);
  EXPECT_NE(md.find("2 \\* 3 = \\[6\\] \\#1 \\$5\n"), std::string::npos) << md;
  // A pipe table: the header, the alignment row (right for numbers), escaped cells, the total in bold.
  EXPECT_NE(md.find("| kernel family | time |\n| --- | ---: |\n| fp8\\_gemm | 1.0 s |\n| a \\| b | \\<script\\>alert(1)\\</script\\> |\n"
                    "| **total** | **2.0 s** |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("![Bars by kind](bars.svg)\n"), std::string::npos);
  EXPECT_NE(md.find("- ``a`b``\n"), std::string::npos);  // a backtick inside: a longer fence
}

TEST(ReportPage, BothRenderingsHaveTheSameSectionsAndFigures) {
  const ReportPage page = sample_page();
  const std::string html = report_page_html(page), md = report_page_markdown(page);
  for (const PageSection& section : page.sections) {
    EXPECT_NE(html.find("<h2>" + section.heading + "</h2>"), std::string::npos) << section.heading;
    EXPECT_NE(md.find("\n## " + section.heading + "\n"), std::string::npos) << section.heading;
  }
  const std::vector<PageFigure> figures = page_figures(page);
  ASSERT_EQ(figures.size(), 1u);
  EXPECT_EQ(figures[0].file, "bars.svg");
  EXPECT_EQ(figures[0].svg.rfind("<?xml", 0), 0u);  // the file beside report.md keeps its declaration
}

}  // namespace
}  // namespace trainsim::reports
