// Text pieces every SVG writer needs: the document's opening, XML escaping, fixed-precision coordinates (the same bytes on every
// platform) and axis ticks at 1, 2 or 5 times a power of ten.
#pragma once
#include <string>
#include <string_view>

namespace trainsim::reports {

// The XML declaration, the <svg> element of width x height pixels (the house font, centred text) and its white
// background: how every picture of the project opens.
std::string svg_document_open(double width, double height);

// Width allowed for one character of the house font at font-size 10 (an average sans-serif character is about
// 0.6 em), for fitting labels in the space a chart gives them.
inline constexpr double kCharWidthPx = 6.2;

// `text` with &, <, > and " escaped for an XML attribute or element.
std::string xml_escape(std::string_view text);

// A coordinate with two decimals ("12.50").
std::string svg_px(double v);

// A tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks over `span` (> 0).
double nice_tick_step(double span, int ticks);

// `value` as a tick label with as many decimals as `step` needs ("0.25" for step 0.05, "40" for step 20).
std::string tick_label(double value, double step);

}  // namespace trainsim::reports
