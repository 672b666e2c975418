#!/usr/bin/env python3
# Writes the MLA report (Markdown, stdout) from one GPU run's outputs in a directory: check-*.txt, bench-*.csv/.txt
# (ours), peer-sdpa.csv / .txt (PyTorch), the run's device.txt and, where present, the device-copy ceiling the FP8
# family measured in the same run. Floors use the dense BF16 peak of 989 TFLOPS (H100 SXM, H800, H200:
# docs/sources.md#dense-peaks) and the HBM bandwidth of the GPU named in device.txt (hardware/gpu_catalog.yaml).
import argparse
import csv
import glob
import math
import os
import re
import sys
import textwrap

BF16_PEAK = 989e12
MOONSHOT = 0.6  # of the BF16 peak (kernels/mla/NOTES.md)
MAX_REL_FLOOR = 1e-3  # the floor CheckLog passes to compare() (mla_device_harness.cuh)
# The steps of mla_qkv_forward (sm90_bf16_mla_projections.cu), each also timed alone in bench-projections.csv.
CHAIN_STEPS = ("gemm_q_down", "rmsnorm_q", "gemm_q_up", "gemm_kv_down", "rmsnorm_kv", "gemm_kv_up", "rope_assemble")
WIDTH = 120


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def read_text(path):
    return open(path).read() if os.path.exists(path) else ""


def wrap(text, bullet=False):
    """Prose wrapped to the house width; a bullet keeps its continuation lines indented."""
    return textwrap.fill(text, WIDTH, initial_indent="- " if bullet else "", subsequent_indent="  " if bullet else "",
                         break_long_words=False, break_on_hyphens=False)


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def hbm_bandwidth(device_text):
    return 4.8e12 if "H200" in device_text else 3.35e12  # H100 SXM / H800: 3.35 TB/s; H200: 4.8 TB/s


def floor_s(row, bw):
    """The larger of the FLOP time at the BF16 peak and the byte time at HBM bandwidth, and which one it is."""
    flop_s, byte_s = float(row["flops"]) / BF16_PEAK, float(row["bytes"]) / bw
    return (flop_s, "FLOPs") if flop_s >= byte_s else (byte_s, "bytes")


def ms(seconds, digits=3):
    return f"{seconds * 1e3:.{digits}f}"


def run_source(explicit, family_dir):
    """The run folder named at the top: --source, else the part of --dir from kernels/runs/ on (its parent folder)."""
    if explicit:
        return explicit
    path = os.path.abspath(family_dir).replace(os.sep, "/")
    at = path.find("kernels/runs/")
    return os.path.dirname(path[at:]) if at >= 0 else None


def device_field(device, key):
    """One field of device.txt's nvidia-smi CSV (a header line naming `key`, its values on the next line)."""
    lines = device.splitlines()
    for head, values in zip(lines, lines[1:]):
        names = [n.strip() for n in head.split(",")]
        if key in names and len(values.split(",")) == len(names):
            return values.split(",")[names.index(key)].strip()
    return None


def device_section(device):
    """device.txt as bullets: a '# name' line, then either a CSV header with its values or plain lines."""
    out, blocks = ["## Device", ""], re.split(r"^# ", device.strip(), flags=re.M)
    for block in filter(None, blocks):
        title, *lines = block.strip().splitlines()
        if len(lines) == 2 and lines[0].count(",") == lines[1].count(",") > 0:
            lines = [f"{k.strip()}: {v.strip()}" for k, v in zip(lines[0].split(","), lines[1].split(","))]
        out.append(wrap(f"{title}: " + "; ".join(l.strip() for l in lines), bullet=True))
    if len(out) == 2:
        out.append("(device.txt missing)")
    return out + [""]


def fastest_peer(peer, op, shape):
    rows = [x for x in peer if x["op"] == op and x["shape"] == shape]
    return min(rows, key=lambda x: float(x["time_s"])) if rows else None


def pct_of_peak(tflops):
    return f"{float(tflops) * 1e12 / BF16_PEAK:.1%}"


def summary_section(ours, peer, decode, bw):
    """Per attention op and shape: our fastest version against the fastest peer; the MLA issue's goals; decode."""
    if not ours:
        return []
    out = ["## Summary", "",
           "| op | shape | ours, fastest | TFLOPS | of BF16 peak | fastest peer | TFLOPS | speed vs peer |",
           "| --- | --- | --- | ---: | ---: | --- | ---: | ---: |"]
    by_op = {}
    for op, shape in dict.fromkeys((r["op"], r["shape"]) for r in ours):
        mine = min((r for r in ours if (r["op"], r["shape"]) == (op, shape)), key=lambda r: float(r["time_s"]))
        best = fastest_peer(peer, op, shape)
        if not best:
            continue
        speed = float(best["time_s"]) / float(mine["time_s"])
        by_op.setdefault(op, []).append((mine, best, speed))
        out.append(f"| {op} | {shape} | {mine['variant']} | {float(mine['tflops']):.1f} | "
                   f"{pct_of_peak(mine['tflops'])} | {best['variant']} | {float(best['tflops']):.1f} | {speed:.3f} |")
    if not by_op:
        out = out[:2] + ["No attention row of ours has a peer row of the same op and shape."]
    out += ["", wrap("Speed vs peer is the peer's time over ours (above 1: ours is faster). The fastest peer is the "
                     "fastest of the PyTorch SDPA backends, each forced in turn with `sdpa_kernel` (not necessarily "
                     "the one SDPA picks by default), whatever its padding."), ""]
    for op, rows in by_op.items():
        met = all(s >= 1 for _, _, s in rows)
        out.append(wrap(f"Goal, {op} at or above the fastest PyTorch backend: **{'met' if met else 'not met'}** "
                        f"(speed vs peer {', '.join(f'{s:.3f}' for _, _, s in rows)}; geometric mean "
                        f"{geomean([s for _, _, s in rows]):.3f}).", bullet=True))
    goal = MOONSHOT * BF16_PEAK / 1e12
    for op, rows in by_op.items():
        mine = max(float(m["tflops"]) for m, _, _ in rows)
        theirs = max(float(b["tflops"]) for _, b, _ in rows)
        out.append(wrap(f"Moonshot, {op} at {MOONSHOT:.0%} of the BF16 peak ({goal:.0f} TFLOPS): "
                        f"**{'met' if mine >= goal else 'not met'}** (ours at best {mine:.1f} TFLOPS, "
                        f"{pct_of_peak(mine)}; the fastest peer at best {theirs:.1f}, {pct_of_peak(theirs)}).",
                        bullet=True))
    memory = [r for r in decode if floor_s(r, bw)[1] == "bytes"]
    compute = [r for r in decode if floor_s(r, bw)[1] == "FLOPs"]
    if memory and compute:
        m = max(memory, key=lambda r: float(r["gbps"]))
        c = max(compute, key=lambda r: float(r["tflops"]))
        out.append(wrap(f"Decode at best: {float(m['gbps']):.0f} GB/s where the floor is the bytes ({m['variant']} "
                        f"{m['shape']}, {float(m['gbps']) * 1e9 / bw:.0%} of {bw / 1e12:.2f} TB/s) and "
                        f"{float(c['tflops']):.1f} TFLOPS where it is the FLOPs ({c['variant']} {c['shape']}); "
                        "FlashMLA's published H800 figures are 3000 GB/s and 660 TFLOPS.", bullet=True))
    return out + [""]


CHECK = re.compile(r"^(?P<name>.*?)\s+rel_l2 (?P<l2>\S+)\s+max_rel (?P<mr>\S+)\s+non_finite (?P<nf>\d+)\s+"
                   r"bound (?P<bound>\S+)\s+(?P<res>PASS|FAIL)$")
CHECK_TRUE = re.compile(r"^(?P<name>.*?)\s+(?P<res>PASS|FAIL)$")


def checks_section(family_dir):
    """Every check line as a table row, and how to read max_rel."""
    tables, counts, worst = [], {"PASS": 0, "FAIL": 0}, None
    for path in sorted(glob.glob(os.path.join(family_dir, "check-*.txt"))):
        rows = []
        for line in (l.strip() for l in open(path)):
            if line.startswith("#"):
                tables += [f"{line[1:].strip()}:", ""]
            elif (m := CHECK.match(line)):
                counts[m["res"]] += 1
                rows.append(f"| {m['name']} | {m['l2']} | {m['bound']} | {m['mr']} | {m['nf']} | {m['res']} |")
                if worst is None or float(m["mr"]) > float(worst["mr"]):
                    worst = m
            elif (m := CHECK_TRUE.match(line)) and not line.startswith(("PASS:", "FAIL:")):
                counts[m["res"]] += 1
                rows.append(f"| {m['name']} | | | | | {m['res']} |")
        if rows:
            tables += ["| check | rel_l2 | bound | max_rel | non-finite | result |",
                       "| --- | ---: | ---: | ---: | ---: | --- |", *rows, ""]
    if not tables:
        return ["## Checks", "", "No check-*.txt in the folder.", ""]
    out = ["## Checks", "", f"{counts['PASS']} lines pass, {counts['FAIL']} fail.", ""]
    out += [wrap(
        "A comparison passes when rel_l2 = ||out - ref|| / ||ref|| against the FP64 reference is within its bound and "
        "no output is NaN or infinite (docs/kernel-method.md). max_rel = max |out - ref| / max(|ref|, "
        f"{MAX_REL_FLOOR:g}) (kernels/common/error_metrics.cc) is printed for information and is not the bound. "
        "Where an output's error is set by the size of the tensor's typical element rather than by the element "
        "itself, an element whose reference is near zero (the denominator's floor) turns an error that is small "
        "against the tensor into a max_rel of order 1"
        + (f" (the largest here: {worst['mr']}, {worst['name']})" if worst else "") + ". Errors of that kind: "
        "version 2 rounds P (and in backward dS) to BF16 as mma operands; both versions' dQ and dK take "
        "delta = rowsum(dO * O) from the BF16 O the forward wrote, where the reference recomputes O exactly; the "
        "projection chain's q, k and v come from GEMMs over BF16-rounded latents. Outputs rounded to BF16 once from "
        "FP32 and nothing else (version 1's O and dV, RMSNorm, RoPE) stay at max_rel 2^-8 = 3.9e-3, the rounding "
        "of the element itself; the FP32 log-sum-exp lines are far under it. The files record neither the element "
        "nor its reference value."), "",
        wrap("Where a line names heads as (3/128 heads), the FP64 reference ran on those heads only; the device ran "
             "all of them, and the 'every output of every head written' line covers every head."), ""]
    return out + tables


def peer_log_lines(text):
    """What the tables do not show: the peer's versions, each refusal and each warning that gives a reason (without
    Python's warning locations, absolute paths, and the echoed source lines)."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^\S+\.py:\d+: (\w+Warning): (.*?)( \(Triggered internally at .*\))?$", line)
        if m and not m[2].endswith(":") and "runtime disabled" not in m[2]:
            line = f"{m[1]}: {m[2]}"
        elif not (line.startswith("#") or ": refused:" in line):
            continue
        line = re.sub(r"\s{2,}", " ", line.lstrip("# ").strip())
        if line not in out:
            out.append(line)
    return [wrap(l, bullet=True) for l in out]


def attention_section(ours, peer, bw, peer_log):
    if not ours and not peer:
        return []
    out = ["## Attention core (causal FLOPs; forward 2 and backward 5 matrix products)", "",
           "| op | shape | ours | ms | TFLOPS | fastest peer | peer ms | peer TFLOPS | speed vs peer | floor ms |",
           "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    ratios, byte_share = {}, []
    for r in ours:
        best = fastest_peer(peer, r["op"], r["shape"])
        fl, _ = floor_s(r, bw)
        byte_share.append(float(r["bytes"]) / bw / (float(r["flops"]) / BF16_PEAK))
        cells = "none ran | | | n/a"
        if best:
            speed = float(best["time_s"]) / float(r["time_s"])
            ratios.setdefault(r["variant"], []).append(speed)
            cells = f"{best['variant']} | {ms(float(best['time_s']))} | {float(best['tflops']):.1f} | {speed:.3f}"
        out.append(f"| {r['op']} | {r['shape']} | {r['variant']} | {ms(float(r['time_s']))} | "
                   f"{float(r['tflops']):.1f} | {cells} | {ms(fl)} |")
    out.append("")
    if byte_share and max(byte_share) < 1:
        out.append(wrap(f"Every floor in this table is the FLOP term; the byte term is at most {max(byte_share):.0%} "
                        "of it.", bullet=True))
    for variant, rs in sorted(ratios.items()):
        out.append(wrap(f"Geometric mean of the speed vs the fastest peer, {variant}: {geomean(rs):.3f} over "
                        f"{len(rs)} rows (forward and backward, every shape).", bullet=True))
    out += ["", "Every PyTorch backend that ran (`-pad-v192`: v zero-padded to 192 because the backend needs equal "
            "head dims;", "its FLOPs are still counted at v 128, so it is charged for the padding):", "",
            "| op | shape | backend | ms | TFLOPS | of BF16 peak |", "| --- | --- | --- | ---: | ---: | ---: |"]
    out += [f"| {x['op']} | {x['shape']} | {x['variant']} | {ms(float(x['time_s']))} | {float(x['tflops']):.1f} | "
            f"{pct_of_peak(x['tflops'])} |" for x in peer]
    if peer_log:
        out += ["", "From the peer log:", ""] + peer_log_lines(peer_log)
    return out + [""]


def rate_table(rows, bw):
    """op rows with their floors; a qkv_chain row's floor is the sum of its steps' floors (they run in sequence)."""
    out = ["| op | variant | shape | ms | TFLOPS | GB/s | floor ms | bound | floor / time |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: |"]
    notes = []
    for r in rows:
        fl, bound = floor_s(r, bw)
        if r["op"] == "qkv_chain":
            steps = [s for s in rows if s["op"] in CHAIN_STEPS and s["shape"].split("_")[0] == r["shape"]]
            if len(steps) == len(CHAIN_STEPS):
                fl, bound = sum(floor_s(s, bw)[0] for s in steps), "sum of steps"
                notes.append(f"{r['shape']}: {ms(float(r['time_s']), 4)} ms, its steps timed alone add up to "
                             f"{ms(sum(float(s['time_s']) for s in steps), 4)} ms")
        out.append(f"| {r['op']} | {r['variant']} | {r['shape']} | {ms(float(r['time_s']), 4)} | "
                   f"{float(r['tflops']):.1f} | {float(r['gbps']):.0f} | {ms(fl, 4)} | {bound} | "
                   f"{fl / float(r['time_s']):.3f} |")
    return out, notes


def projections_section(rows, bw):
    if not rows:
        return []
    table, chain = rate_table(rows, bw)
    out = ["## Projections and small kernels", "", *table, ""]
    if chain:
        out += [wrap("qkv_chain is mla_qkv_forward: the four down/up GEMMs, both RMSNorms and RoPE with the q/k/v "
                     "assembly, one after another. Its TFLOPS and GB/s count the four GEMMs only (as its CSV row "
                     "does); its floor is the sum of its seven steps' floors, each from its own row above. "
                     + "; ".join(chain) + "."), ""]
    return out


def decode_section(rows, bw, device):
    if not rows:
        return []
    table, _ = rate_table(rows, bw)
    return ["## Absorbed decode (d 576, dv 512)", "", wrap(
        "FlashMLA on H800 (published, docs/sources.md#flashmla): 3000 GB/s memory-bound, 660 TFLOPS compute-bound, "
        "that is 90% of the H800's 3.35 TB/s and 67% of its 989 TFLOPS. The floors here use this device's HBM "
        f"({bw / 1e12:.2f} TB/s)" + (", so a GB/s figure of this table is not an H800 figure; the H200's "
                                     "compute equals the H800's." if "H200" in device else ".")), "", *table, ""]


def method_section(family_dir, device, bw, copy_gbps, ours_all):
    medians = []
    for name in ("attention", "projections", "decode"):
        m = re.search(r"median of (\d+)", read_text(os.path.join(family_dir, f"bench-{name}.txt")))
        medians.append(f"{name} {m[1]}" if m else f"{name} (not recorded)")
    gemm = max((r for r in ours_all if r["op"].startswith("gemm_")), key=lambda r: float(r["tflops"]), default=None)
    clock = device_field(device, "clocks.max.sm [MHz]") or ""
    clock_mhz = float(clock.split()[0]) if clock[:1].isdigit() else 0
    out = ["## Method and floors", "",
           wrap(f"Floor = max(FLOPs / {BF16_PEAK / 1e12:.0f} TFLOPS, bytes / {bw / 1e12:.2f} TB/s), datasheet figures "
                "(docs/sources.md#dense-peaks, hardware/gpu_catalog.yaml); bytes are each input read once and each "
                "output written once (mla_problem.h, the benches). The 989 TFLOPS are quoted at a 1.83 GHz tensor "
                "clock (docs/sources.md#boost-clocks)"
                + (f" and device.txt names a maximum SM clock of {clock}, so a floor is a datasheet lead, not a bound "
                   "the chip cannot pass" if clock_mhz > 1830 else "")
                + ". The version 1 kernels use FP32 FMA, not tensor cores: their floor is still the problem's, at "
                "the BF16 tensor peak.", bullet=True)]
    if "H200" in device:
        out.append(wrap("The H200 has the H100's and H800's SMs and tensor-core rates and a faster HBM (4.8 against "
                        "3.35 TB/s): its compute-bound figures (attention, GEMMs, 128-head decode TFLOPS) stand for an "
                        "H800, its memory-bound ones (RMSNorm, RoPE, decode GB/s) do not.", bullet=True))
    measured = []
    if copy_gbps:
        measured.append(f"a device-to-device copy at {copy_gbps:.0f} GB/s, bytes read plus written "
                        f"(fp8/bench.csv, {copy_gbps * 1e9 / bw:.0%} of {bw / 1e12:.2f} TB/s)")
    if gemm:
        measured.append(f"the fastest cuBLASLt BF16 GEMM here, {gemm['op']} {gemm['shape']}, at "
                        f"{float(gemm['tflops']):.1f} TFLOPS ({float(gemm['tflops']) * 1e12 / BF16_PEAK:.1%} of "
                        f"{BF16_PEAK / 1e12:.0f})")
    if measured:
        out.append(wrap("Ceilings measured in the same run: " + "; ".join(measured) + ".", bullet=True))
    out += [wrap("Ours: CUDA events around one call per sample, the median of the samples after one to three "
                 "warm-ups (kernels/common/gpu_timing.cuh); samples per median (bench-*.txt headers): "
                 + ", ".join(medians) + "; version 2 attention: four times the attention count "
                 "(sm90_bf16_mla_attention_bench.cu). Inputs are drawn once per shape and every repetition reuses "
                 "them: no rotation of input sets, which docs/kernel-method.md asks for, so kernels whose tensors are "
                 "a few to tens of MB (RMSNorm, kv_down) may read partly from the L2 cache. Since commit 1899b9c "
                 "that header holds the stream while the host queues the timed call; in runs made before it (the "
                 "2026-12-04 H200 runs among them) the start event preceded the host's issue of the call, so each "
                 "sample holds the host's time to issue it: negligible for the millisecond kernels, a part of unknown "
                 "size of those under 0.2 ms (that commit puts a cuBLASLt call's issue at 10-39 us on the 2026-12-04 "
                 "H200).", bullet=True),
            wrap("Peers (mla_sdpa_peer.py): torch CUDA events around one call, median of 10 after 2 warm-ups; "
                 "forward with autograd on (it keeps the log-sum-exp), backward as torch.autograd.grad on a "
                 "retained graph; the math backend is left out (it materialises the score matrix).", bullet=True), ""]
    return out


def main():
    p = argparse.ArgumentParser(description="The MLA report (Markdown, stdout) from the outputs of "
                                            "kernels/mla/gpu-steps.sh.")
    p.add_argument("--dir", required=True, help="the mla output folder (check-*.txt, bench-*.csv, peer-sdpa.*)")
    p.add_argument("--device", required=True, help="device.txt written by kernels/gpu-run.sh")
    p.add_argument("--source", help="the run folder to name as the report's source, as a path relative to the "
                                    "repository (e.g. kernels/runs/2026-12-04-h200/full); default: the part of --dir "
                                    "from kernels/runs/ on, without its last folder; none outside kernels/runs/")
    p.add_argument("--ceilings", help="a CSV with the run's measured device-copy ceiling (op 'ceiling', "
                                      "layer 'device-copy', gbps); default: fp8/bench.csv beside --dir")
    a = p.parse_args()
    device = read_text(a.device)
    bw = hbm_bandwidth(device)
    gpu = next((l.split(",")[0] for l in device.splitlines() if l.startswith("NVIDIA")), "Hopper")
    source = run_source(a.source, a.dir)
    ceilings = read_csv(a.ceilings or os.path.join(a.dir, os.pardir, "fp8", "bench.csv"))
    copy_gbps = next((float(r["gbps"]) for r in ceilings if r.get("op") == "ceiling"
                      and r.get("layer") == "device-copy" and r.get("gbps")), None)
    made = (f"Generated by kernels/mla/mla_report.py from the outputs of `kernels/gpu-run.sh` in `{source}`"
            if source else "Generated by `kernels/gpu-run.sh` (steps in `kernels/mla/gpu-steps.sh`)")
    out = [f"# MLA kernels on {gpu}: measured", "",
           wrap(made + "; do not edit by hand. Method, predictions and outcomes: `kernels/mla/NOTES.md`."), ""]
    ours = read_csv(os.path.join(a.dir, "bench-attention.csv"))
    peer = read_csv(os.path.join(a.dir, "peer-sdpa.csv"))
    projections = read_csv(os.path.join(a.dir, "bench-projections.csv"))
    decode = read_csv(os.path.join(a.dir, "bench-decode.csv"))
    out += summary_section(ours, peer, decode, bw)
    out += device_section(device)
    out += method_section(a.dir, device, bw, copy_gbps, projections)
    out += checks_section(a.dir)
    out += attention_section(ours, peer, bw, read_text(os.path.join(a.dir, "peer-sdpa.txt")))
    out += projections_section(projections, bw)
    out += decode_section(decode, bw, device)
    print("\n".join(out).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
