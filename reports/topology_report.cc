// Text and JSON of the topology analyses (see topology_report.h).
#include "reports/topology_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "reports/text_table.h"

namespace trainsim::reports {
namespace {

std::string millions(double usd) { return fmt::format("{:.2f} M$", usd / 1e6); }
std::string thousands(double usd) { return fmt::format("{:.2f} k$", usd / 1e3); }
std::string terabytes(double bytes_per_s) { return fmt::format("{:.1f} TB/s", bytes_per_s / 1e12); }
// 16384 as "16,384".
std::string count(int n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

// The bisection as a share of what a non-blocking network of the same NICs would give (half of them at once).
double bisection_share(const hw::TopologyAnalysis& a) {
  const double full = a.inventory.endpoints / 2.0 * a.link_bytes_per_s;
  return full > 0 ? a.bisection_bytes_per_s / full : 0;
}

nlohmann::json to_json(const hw::TopologyAnalysis& a) {
  return {{"kind", std::string(hw::topology_abbreviation(a.kind))},
          {"topology", std::string(hw::topology_name(a.kind))},
          {"switch_radix", a.switch_radix},
          {"link_bytes_per_s", a.link_bytes_per_s},
          {"endpoints", a.inventory.endpoints},
          {"switches", a.inventory.switches},
          {"planes", a.inventory.planes},
          {"links", a.inventory.links},
          {"copper_links", a.inventory.copper_links},
          {"optical_links", a.inventory.optical_links},
          {"transceivers", a.inventory.transceivers()},
          {"endpoint_links", a.inventory.endpoint_links},
          {"cost_usd", a.cost.total_usd},
          {"cost_per_endpoint_usd", a.cost.per_endpoint_usd},
          {"bisection_bytes_per_s", a.bisection_bytes_per_s},
          {"bisection_share_of_full", bisection_share(a)},
          {"diameter", a.distances.diameter_hops},
          {"path_diversity", a.distances.path_diversity},
          {"distances_exact", a.distances.exact}};
}

}  // namespace

std::string format_topology_summary(const hw::TopologyAnalysis& a, const hw::NetworkPrices& prices) {
  const hw::TopologyInventory& inv = a.inventory;
  std::string out = fmt::format("{} ({}): {}-port switches, {:.0f} Gb/s links\n", hw::topology_abbreviation(a.kind),
                                hw::topology_name(a.kind), a.switch_radix, a.link_bytes_per_s * 8 / 1e9);
  out += fmt::format("  endpoints       {}\n", count(inv.endpoints));
  out += fmt::format("  switches        {}{}\n", count(inv.switches),
                     inv.planes > 1 ? fmt::format(" in {} planes", inv.planes) : std::string());
  out += fmt::format("  links           {} switch-to-switch: {} optical ({} transceivers), {} copper\n", count(inv.links),
                     count(inv.optical_links), count(inv.transceivers()), count(inv.copper_links));
  out += fmt::format("                  {} NIC-to-leaf (copper)\n", count(inv.endpoint_links));
  out += fmt::format("  cost            {} ({} per endpoint): switches {} at {:.0f} $, links {}, NIC cables {}\n",
                     millions(a.cost.total_usd), thousands(a.cost.per_endpoint_usd), millions(a.cost.switches_usd),
                     prices.switch_usd, millions(a.cost.links_usd), millions(a.cost.endpoint_links_usd));
  out += fmt::format("  bisection       {} ({:.0f}% of half the NICs at line rate; max-flow, first half of the NICs "
                     "against the rest)\n",
                     terabytes(a.bisection_bytes_per_s), 100 * bisection_share(a));
  out += fmt::format("  diameter        {} switch hops between NIC switches{}\n", a.distances.diameter_hops,
                     a.distances.exact ? "" : fmt::format(" (searched from {} of them)", a.distances.sources));
  out += fmt::format("  path diversity  {:.0f} minimal paths between the farthest NIC switches\n",
                     a.distances.path_diversity);
  return out;
}

std::string format_topology_comparison(const std::vector<TopologyEntry>& entries, int endpoints, int radix) {
  using Align = TextTable::Align;
  TextTable table({"kind", "endpoints", "switches", "links", "transceivers", "cost", "per endpoint", "bisection",
                   "diameter", "paths"},
                  {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
                   Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  std::string refused;
  for (const TopologyEntry& e : entries) {
    const std::string kind(hw::topology_abbreviation(e.kind));
    if (!e.analysis) {
      table.add_row({kind, "-", "-", "-", "-", "-", "-", "-", "-", "-"});
      refused += fmt::format("  {}: {}\n", kind, e.refusal);
      continue;
    }
    const hw::TopologyAnalysis& a = *e.analysis;
    table.add_row({kind, count(a.inventory.endpoints), count(a.inventory.switches), count(a.inventory.links),
                   count(a.inventory.transceivers()), millions(a.cost.total_usd), thousands(a.cost.per_endpoint_usd),
                   terabytes(a.bisection_bytes_per_s), std::to_string(a.distances.diameter_hops),
                   fmt::format("{:.0f}", a.distances.path_diversity)});
  }
  std::string out = fmt::format("Networks for {} endpoints of {}-port switches\n", count(endpoints), radix);
  out += table.render("  ");
  if (!refused.empty()) out += "Not built at this size:\n" + refused;
  return out;
}

std::string format_failure_summary(const FailureComparison& c) {
  const hw::FailedParts& f = c.failed;
  std::string out = fmt::format("{} ({}) with failures:", hw::topology_abbreviation(c.healthy.kind),
                                hw::topology_name(c.healthy.kind));
  for (const std::string& part : c.failures.parts) out += " " + part;
  if (c.failures.link_failure_rate > 0)
    out += fmt::format(" {:g}% of switch-to-switch links at random (seed {})", 100 * c.failures.link_failure_rate,
                       c.failures.seed);
  out += fmt::format("\n  failed          {} switches, {} switch-to-switch links, {} NICs, {} NVLinks\n",
                     count(f.switches), count(f.fabric_links), count(f.nics), count(f.nvlinks));
  using Align = TextTable::Align;
  TextTable table({"", "healthy", "after", "change"}, {Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
  const auto change = [](double before, double after) {
    return before > 0 ? fmt::format("{:+.1f}%", 100 * (after - before) / before) : std::string("-");
  };
  table.add_row({"bisection", terabytes(c.healthy.bisection_bytes_per_s), terabytes(c.after.bisection_bytes_per_s),
                 change(c.healthy.bisection_bytes_per_s, c.after.bisection_bytes_per_s)});
  table.add_row({"switches working", count(c.healthy.inventory.switches), count(c.after.inventory.switches - f.switches),
                 change(c.healthy.inventory.switches, c.after.inventory.switches - f.switches)});
  table.add_row({"switch-to-switch links", count(c.healthy.inventory.links), count(c.after.inventory.links),
                 change(c.healthy.inventory.links, c.after.inventory.links)});
  table.add_row({"NIC links", count(c.healthy.inventory.endpoints), count(c.after.inventory.endpoints),
                 change(c.healthy.inventory.endpoints, c.after.inventory.endpoints)});
  table.add_row({"diameter (switch hops)", std::to_string(c.healthy.distances.diameter_hops),
                 std::to_string(c.after.distances.diameter_hops), ""});
  table.add_row({"paths at the diameter", fmt::format("{:.0f}", c.healthy.distances.path_diversity),
                 fmt::format("{:.0f}", c.after.distances.path_diversity), ""});
  const long long pairs = c.reachability.node_pairs, joined = pairs - c.reachability.disconnected_pairs;
  table.add_row({"node pairs joined", fmt::format("{}", pairs), fmt::format("{}", joined),
                 change(static_cast<double>(pairs), static_cast<double>(joined))});
  out += table.render("  ");
  if (!c.fidelity.empty()) {
    out += c.failed_step_error.empty()
               ? fmt::format("  step time at {} fidelity: {:.3f} s healthy, {:.3f} s after the failures ({})\n",
                             c.fidelity, c.healthy_step_s, c.failed_step_s, change(c.healthy_step_s, c.failed_step_s))
               : fmt::format("  step time at {} fidelity: {:.3f} s healthy; after the failures it cannot run: {}\n",
                             c.fidelity, c.healthy_step_s, c.failed_step_error);
    if (c.fidelity == "stage")
      out += "  (stage fidelity simulates one GPU of each pipeline device: a failure off its paths shows at --fidelity "
             "gpu, which simulates every GPU of a pipeline replica)\n";
  }
  out += "  routes go around what failed: a GPU without a NIC sends over NVLink through the node-mate on the "
         "destination's rail (NCCL's PXN), the fabric takes the shortest paths left (hardware/topology.cc)\n";
  return out;
}

std::string format_failure_json(const FailureComparison& c) {
  nlohmann::json out = {
      {"failures", {{"parts", c.failures.parts}, {"link_failure_rate", c.failures.link_failure_rate}, {"seed", c.failures.seed}}},
      {"failed", {{"switches", c.failed.switches}, {"fabric_links", c.failed.fabric_links}, {"nics", c.failed.nics},
                  {"nvlinks", c.failed.nvlinks}}},
      {"healthy", to_json(c.healthy)},
      {"after", to_json(c.after)},
      {"node_pairs", c.reachability.node_pairs},
      {"disconnected_node_pairs", c.reachability.disconnected_pairs}};
  if (!c.fidelity.empty()) {
    out["step"] = {{"fidelity", c.fidelity}, {"healthy_s", c.healthy_step_s}};
    if (c.failed_step_error.empty())
      out["step"]["after_s"] = c.failed_step_s;
    else
      out["step"]["error"] = c.failed_step_error;
  }
  return out.dump(2) + "\n";
}

std::string format_collectives(const sim::GroupCollectiveFigures& c) {
  return fmt::format("  EP all-to-all   {} GPUs from GPU 0, {:.0f} MiB per pair: {:.3f} ms, {:.1f} GB/s sent per GPU "
                     "(SimGrid)\n"
                     "  DP all-reduce   ring of GPU 0 of {} nodes spread over the network, {:.0f} GiB: {:.1f} ms, bus "
                     "bandwidth {:.1f} GB/s (SimGrid)\n",
                     c.ep_gpus, c.ep_bytes_per_pair / (1 << 20), c.ep_all_to_all_s * 1e3, c.ep_bytes_per_s_per_gpu() / 1e9,
                     c.dp_gpus, c.dp_bytes / (1 << 30), c.dp_all_reduce_s * 1e3, c.dp_bus_bytes_per_s() / 1e9);
}

std::string format_topology_json(const hw::TopologyAnalysis& analysis, const sim::GroupCollectiveFigures* c) {
  nlohmann::json out = to_json(analysis);
  if (c) {
    out["ep_all_to_all"] = {{"gpus", c->ep_gpus}, {"bytes_per_pair", c->ep_bytes_per_pair},
                            {"seconds", c->ep_all_to_all_s}, {"bytes_per_s_per_gpu", c->ep_bytes_per_s_per_gpu()}};
    out["dp_all_reduce"] = {{"gpus", c->dp_gpus}, {"bytes", c->dp_bytes}, {"seconds", c->dp_all_reduce_s},
                            {"bus_bytes_per_s", c->dp_bus_bytes_per_s()}};
  }
  return out.dump(2) + "\n";
}

std::string format_topology_json(const std::vector<TopologyEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const TopologyEntry& e : entries)
    out.push_back(e.analysis ? to_json(*e.analysis)
                             : nlohmann::json{{"kind", std::string(hw::topology_abbreviation(e.kind))},
                                              {"error", e.refusal}});
  return out.dump(2) + "\n";
}

}  // namespace trainsim::reports
