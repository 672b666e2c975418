#!/usr/bin/env python3
"""The calibration sweep's two conversions on the GPU machine (standard library only; kernels/CALIBRATION.md):

  calibration_io.py flatten PLAN.json > calls.txt
      the plan of `trainsim calibrate --device` as one call a line, "id family op dtype pass sms key=value ...",
      which calibration_run reads (kernels/calibration/calibration_call.h);
  calibration_io.py results TIMES.csv [PEER.csv ...] -o calibration-results.json
      calibration_run's times (flushed a call at a time, so a run cut short still has every call it finished)
      with the device's facts as the results file `trainsim calibrate --from-kernels` reads; calibration_run_cpu's
      (cuda=none) with the host's threads, clock and kernel instead of nvidia-smi's. Each call's kernel is kept;
      a peer's rows (attention_peer.py's: the same columns, no device line) compete with TIMES.csv's, and each
      call keeps its fastest.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys


def flatten(plan_path):
    with open(plan_path) as f:
        plan = json.load(f)
    if plan.get("format") != 1:
        sys.exit(f"{plan_path}: format is {plan.get('format')!r} (expected 1)")
    print(f"# {len(plan['calls'])} calls of {plan.get('scenario', '?')} for {plan['device']['gpu']}")
    # A sweep point (a base call's bytes x 1/4 or x 4) stands for its base call's ops: the plan lists each base call
    # before its sweep points, so a point takes the ops of the last base call of its family, op and dtype.
    base_ops = {}
    for c in plan["calls"]:
        kind = (c["family"], c["op"], c["dtype"])
        if not c.get("sweep"):
            base_ops[kind] = c.get("ops", [])
        ops = c.get("ops") or base_ops.get(kind, [])
        shape = " ".join(f"{k}={v}" for k, v in c["shape"].items())
        names = f" ops={','.join(ops)}" if ops else ""
        print(f"{c['id']} {c['family']} {c['op']} {c['dtype']} {c['pass']} {c['sms']} {shape}{names}")


def device_facts(header):
    """name, sm_count and CUDA runtime ("none" on the host) from the driver's '# device: name=...; sm_count=...;
    cuda=...' line."""
    facts = dict(part.strip().split("=", 1) for part in header[len("# device:"):].split(";"))
    if facts["cuda"] == "none":
        return facts["name"], int(facts["sm_count"]), "none"
    runtime = int(facts["cuda"])
    return facts["name"], int(facts["sm_count"]), f"{runtime // 1000}.{runtime % 1000 // 10}"


def host_clock_hz():
    """The host CPU's maximum clock: cpufreq's where the kernel exposes it, else the fastest core's current MHz."""
    try:
        with open("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq") as f:
            return float(f.read()) * 1e3  # kHz
    except OSError:
        with open("/proc/cpuinfo") as f:
            mhz = [float(line.split(":")[1]) for line in f if line.startswith("cpu MHz")]
        return max(mhz) * 1e6 if mhz else 0.0


def nvidia_smi(field):
    out = subprocess.run(["nvidia-smi", f"--query-gpu={field}", "--format=csv,noheader,nounits"],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0].strip()


def timed_rows(path, lines):
    """The rows of a drivers' CSV; kernel_calls (the kernel calls of their own a call made) is 1 in the CSVs of
    runs before that column (2026-12-04's first two H200 leases)."""
    rows = list(csv.DictReader(lines))
    for r in rows:
        if set(r) - {"kernel_calls"} != {"id", "seconds", "sms", "kernel"}:
            sys.exit(f"{path}: a row's columns are {sorted(r)} (expected id, seconds, sms, kernel[, kernel_calls])")
        r.setdefault("kernel_calls", "1")
    return rows


def results(times_path, out_path, peer_paths=()):
    with open(times_path) as f:
        lines = f.read().splitlines()
    if not lines or not lines[0].startswith("# device:"):
        sys.exit(f"{times_path}: the first line is not calibration_run's '# device:' line")
    name, sm_count, cuda = device_facts(lines[0])
    fastest = {}  # id -> the call's fastest row, in the order the calls were first timed
    for path, rows in [(times_path, timed_rows(times_path, lines[1:]))] + [
            (p, timed_rows(p, open(p).read().splitlines())) for p in peer_paths]:
        for r in rows:
            if r["id"] not in fastest or float(r["seconds"]) < float(fastest[r["id"]]["seconds"]):
                fastest[r["id"]] = r
    calls = [{"id": r["id"], "seconds": float(r["seconds"]), "sms": int(r["sms"]), "kernel": r["kernel"],
              "kernel_calls": int(r["kernel_calls"])} for r in fastest.values()]
    if not calls:
        sys.exit(f"{times_path}: no call was timed")
    if cuda == "none":  # calibration_run_cpu: the host's threads, clock and kernel
        device = {"name": name, "sm_count": sm_count, "boost_clock_hz": host_clock_hz(),
                  "driver": "Linux " + platform.release(), "cuda": "none"}
    else:
        device = {"name": name, "sm_count": sm_count,
                  "boost_clock_hz": float(nvidia_smi("clocks.max.sm")) * 1e6,
                  "driver": nvidia_smi("driver_version"), "cuda": cuda}
    doc = {
        "format": 1,
        "device": device,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "calls": calls,
    }
    with open(out_path + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(out_path + ".tmp", out_path)
    print(f"wrote {out_path}: {len(calls)} calls timed on {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("flatten").add_argument("plan")
    r = sub.add_parser("results")
    r.add_argument("times")
    r.add_argument("peers", nargs="*", help="peer timings (attention_peer.py's CSV): each call keeps its fastest")
    r.add_argument("-o", "--out", required=True)
    args = parser.parse_args()
    if args.command == "flatten":
        flatten(args.plan)
    else:
        results(args.times, args.out, args.peers)


if __name__ == "__main__":
    main()
