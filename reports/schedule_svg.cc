// SVG timeline of an executed schedule (schedule_svg.h). Geometry: one row per rank, x proportional to time,
// the shortest op about 18 px wide (plot 900-3000 px); labels shrink to the micro-batch number, then vanish,
// when a cell is too narrow. An F&B cell is split into its forward and backward halves inside one black border.
#include "reports/schedule_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "reports/svg_palette.h"
#include "reports/svg_text.h"
#include "reports/time_text.h"

namespace trainsim::reports {
namespace {

// Where the timeline sits, in px: the rank labels' margin, the title's, one row per rank.
struct ScheduleLayout {
  static constexpr double kLeftPx = 72, kTopPx = 52, kRowPx = 26, kRowGapPx = 6, kStripePx = 4;
};

std::string px(double v) { return svg_px(v); }
std::string escape(std::string_view text) { return xml_escape(text); }

std::string time_label(double s) { return time_text(s); }

struct Geometry {
  double px_per_s = 1;
  double plot_px = 800;
  double row_y(int rank) const {
    return ScheduleLayout::kTopPx + rank * (ScheduleLayout::kRowPx + ScheduleLayout::kRowGapPx);
  }
  double x(double s) const { return ScheduleLayout::kLeftPx + s * px_per_s; }
};

Geometry geometry(const sim::ScheduleRun& run, bool bands) {
  if (bands) {  // the widest plot: bands are as fine as the picture allows
    Geometry g;
    g.plot_px = 3000;
    g.px_per_s = run.makespan_s > 0 ? g.plot_px / run.makespan_s : 1;
    return g;
  }
  double shortest_s = run.makespan_s;
  for (const auto& rank : run.timings)
    for (const auto& t : rank)
      if (t.end_s > t.start_s) shortest_s = std::min(shortest_s, t.end_s - t.start_s);
  Geometry g;
  const double wanted_px = shortest_s > 0 ? 18 * run.makespan_s / shortest_s : 900;
  g.plot_px = std::clamp(wanted_px, 900.0, 3000.0);
  g.px_per_s = run.makespan_s > 0 ? g.plot_px / run.makespan_s : 1;
  return g;
}

// One coloured cell (or half of an F&B cell): fill by micro-batch and phase, phase stripe, label.
void draw_cell(std::string& out, const sim::PipelineSchedule& schedule, const sim::ChunkRef& chunk,
               sim::Phase phase, double x, double y, double w, bool labelled = true) {
  const int colour = schedule.direction_of(chunk.lane) * schedule.microbatches_per_direction() + chunk.microbatch;
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>)", px(x), px(y), px(w), px(ScheduleLayout::kRowPx),
                     chunk_fill(colour, phase));
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>)", px(x), px(y), px(w),
                     px(ScheduleLayout::kStripePx), phase_colour(phase));
  if (!labelled) return;
  std::string label = std::to_string(chunk.microbatch);
  if (schedule.lanes() > 1 && (static_cast<double>(label.size()) + 1) * kCharWidthPx + 2 <= w)
    label += static_cast<char>('a' + chunk.lane);
  if (static_cast<double>(label.size()) * kCharWidthPx + 2 > w) return;
  out += fmt::format(R"(<text x="{}" y="{}" fill="{}">{}</text>)", px(x + w / 2), px(y + ScheduleLayout::kRowPx / 2 + 6),
                     dark_fill(phase) ? "#ffffff" : "#111111", label);
}

void draw_op(std::string& out, const sim::PipelineSchedule& schedule, int rank, int index,
             const sim::OpTiming& t, const Geometry& g) {
  const sim::ScheduleOp& op = schedule.ops(rank)[index];
  const std::string name = sim::format_op(op, schedule.lanes());
  const double x = g.x(t.start_s);
  const double w = std::max(g.x(t.end_s) - x, 0.5);
  const double y = g.row_y(rank);
  out += fmt::format(R"(<g class="op" data-rank="{}" data-index="{}" data-op="{}" data-start="{}" data-end="{}">)",
                     rank, index, escape(name), t.start_s, t.end_s);
  out += fmt::format("<title>rank {}: {} from {} to {}</title>", rank, escape(name), time_label(t.start_s),
                     time_label(t.end_s));
  if (op.phase == sim::Phase::kForwardBackward) {
    draw_cell(out, schedule, op.chunk, sim::Phase::kForward, x, y, w / 2);
    draw_cell(out, schedule, op.backward, sim::Phase::kBackward, x + w / 2, y, w / 2);
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#000" stroke-width="1.6"/>)",
                       px(x), px(y), px(w), px(ScheduleLayout::kRowPx));
  } else {
    draw_cell(out, schedule, op.chunk, op.phase, x, y, w);
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#333" stroke-width="0.5"/>)",
                       px(x), px(y), px(w), px(ScheduleLayout::kRowPx));
  }
  out += "</g>\n";
}

// A rank's ops merged into busy bands across idle gaps shorter than kScheduleSvgBandGapPx.
void draw_bands(std::string& out, const sim::ScheduleRun& run, int rank, const Geometry& g) {
  const std::vector<sim::OpTiming>& timings = run.timings[rank];
  const double gap_s = kScheduleSvgBandGapPx / g.px_per_s;
  for (std::size_t first = 0; first < timings.size();) {
    std::size_t last = first;
    double end_s = timings[first].end_s;
    while (last + 1 < timings.size() && timings[last + 1].start_s - end_s < gap_s)
      end_s = std::max(end_s, timings[++last].end_s);
    const double start_s = timings[first].start_s;
    const double x = g.x(start_s);
    const double w = std::max(g.x(end_s) - x, 0.5);
    out += fmt::format(R"(<g class="band" data-rank="{}" data-first="{}" data-last="{}" data-start="{}" )"
                       R"(data-end="{}"><title>rank {}: ops {} to {} from {} to {}</title>)",
                       rank, first, last, start_s, end_s, rank, first, last, time_label(start_s), time_label(end_s));
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="#4a6fa5"/></g>)", px(x),
                       px(g.row_y(rank)), px(w), px(ScheduleLayout::kRowPx));
    out += "\n";
    first = last + 1;
  }
}

void draw_axis(std::string& out, const sim::ScheduleRun& run, const Geometry& g, double y) {
  out += fmt::format(R"(<g class="axis"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#000"/>)", px(g.x(0)), px(y),
                     px(g.x(run.makespan_s)), px(y));
  if (run.makespan_s > 0) {
    const double step = nice_tick_step(run.makespan_s, 10);
    for (int i = 0; i * step <= run.makespan_s * (1 + 1e-12); ++i) {
      const double x = g.x(i * step);
      out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#000"/>)", px(x), px(y), px(y + 5));
      out += fmt::format(R"(<text x="{}" y="{}">{}</text>)", px(x), px(y + 17), time_label(i * step));
    }
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">time</text></g>)", px(ScheduleLayout::kLeftPx - 8), px(y + 17));
  out += "\n";
}

void draw_legend(std::string& out, const sim::PipelineSchedule& schedule, double y) {
  struct Entry {
    sim::Phase phase;
    const char* text;
  };
  static constexpr Entry kEntries[] = {{sim::Phase::kForward, "F forward"},
                                       {sim::Phase::kBackward, "B backward"},
                                       {sim::Phase::kBackwardInput, "Bi backward for inputs"},
                                       {sim::Phase::kWeight, "W backward for weights"},
                                       {sim::Phase::kForwardBackward, "F&B overlapped forward and backward"}};
  out += R"(<g class="legend">)";
  double x = ScheduleLayout::kLeftPx;
  for (const Entry& e : kEntries) {
    bool used = false;
    for (int r = 0; r < schedule.ranks() && !used; ++r)
      for (const auto& op : schedule.ops(r)) used = used || op.phase == e.phase;
    if (!used) continue;
    if (e.phase == sim::Phase::kForwardBackward) {
      draw_cell(out, schedule, {}, sim::Phase::kForward, x, y, 18, false);
      draw_cell(out, schedule, {}, sim::Phase::kBackward, x + 18, y, 18, false);
      out += fmt::format(R"(<rect x="{}" y="{}" width="36" height="{}" fill="none" stroke="#000" stroke-width="1.6"/>)",
                         px(x), px(y), px(ScheduleLayout::kRowPx));
      x += 18;
    } else {
      draw_cell(out, schedule, {}, e.phase, x, y, 18, false);
    }
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">{}</text>)", px(x + 24), px(y + 17), escape(e.text));
    x += 24 + static_cast<double>(std::string_view(e.text).size()) * kCharWidthPx + 24;
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">colour: micro-batch{}; shade and top stripe: )"
                     R"(phase; grey: idle</text>)",
                     px(ScheduleLayout::kLeftPx), px(y + ScheduleLayout::kRowPx + 16), schedule.lanes() > 1 ? " (label: number and lane)" : "");
  out += "</g>\n";
}

void draw_band_legend(std::string& out, const Geometry& g, double y) {
  out += fmt::format(R"(<g class="legend"><text x="{}" y="{}" text-anchor="start">blue: busy, ops merged across idle )"
                     R"(gaps under {}; grey: idle</text></g>)",
                     px(ScheduleLayout::kLeftPx), px(y + 17), time_label(kScheduleSvgBandGapPx / g.px_per_s));
  out += "\n";
}

}  // namespace

bool schedule_svg_draws_bands(const sim::PipelineSchedule& schedule) {
  return schedule.op_count() > kScheduleSvgMaxOps;
}

std::string schedule_svg(const sim::PipelineSchedule& schedule, const sim::ScheduleRun& run) {
  const bool bands = schedule_svg_draws_bands(schedule);
  const Geometry g = geometry(run, bands);
  const double rows_end = g.row_y(schedule.ranks()) - ScheduleLayout::kRowGapPx;
  const double width = ScheduleLayout::kLeftPx + g.plot_px + 40;
  const double height = rows_end + 120;
  std::string out = svg_document_open(width, height);
  out.pop_back();  // the background rect is followed by the title on the same line here
  out += fmt::format(R"(<text x="{}" y="22" font-size="14" text-anchor="start">{}</text>)", px(ScheduleLayout::kLeftPx),
                     escape(fmt::format("{}: pp {}, {} micro-batches, {} devices; makespan {}, bubble {} ({:.1f}%)",
                                        sim::schedule_name(schedule.kind()), schedule.pp(), schedule.microbatches(),
                                        schedule.ranks(), time_label(run.makespan_s), time_label(run.bubble_s),
                                        100 * run.bubble_ratio) +
                            (bands ? fmt::format("; {} ops, more than {}: busy bands per rank", schedule.op_count(),
                                                 kScheduleSvgMaxOps)
                                   : "")));
  out += "\n";
  for (int r = 0; r < schedule.ranks(); ++r) {
    const double y = g.row_y(r);
    out += fmt::format(R"(<g class="rank" data-rank="{}"><rect x="{}" y="{}" width="{}" height="{}" fill="#f3f3f3"/>)",
                       r, px(ScheduleLayout::kLeftPx), px(y), px(g.plot_px), px(ScheduleLayout::kRowPx));
    out += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="end">rank {}</text></g>)", px(ScheduleLayout::kLeftPx - 8),
                       px(y + ScheduleLayout::kRowPx / 2 + 4), r);
    out += "\n";
    if (bands) {
      draw_bands(out, run, r, g);
      continue;
    }
    for (int i = 0; i < static_cast<int>(schedule.ops(r).size()); ++i)
      draw_op(out, schedule, r, i, run.timings[r][i], g);
  }
  draw_axis(out, run, g, rows_end + 6);
  if (bands)
    draw_band_legend(out, g, rows_end + 44);
  else
    draw_legend(out, schedule, rows_end + 44);
  out += "</svg>\n";
  return out;
}

}  // namespace trainsim::reports
