#!/usr/bin/env python3
"""Issue 19's loop on the CPU, composed by hand until `trainsim validate` does it (kernels/model/NOTES.md):
the simulator's op catalog for a one-device scenario priced op by op with the host's isolated times of its
calibration plan (each catalog op takes its plan call's median), per compute kind, beside the kinds measured in the
reduced model's training steps.

  trainsim calibrate --device --scenario S --plan plan.json
  trainsim ops S --json -o ops.json
  python3 kernels/calibration/calibration_io.py flatten plan.json > calls.txt
  build/kernels/calibration/calibration_run_cpu calls.txt times.csv kernels/model/configs/CONFIG.json
  build/kernels/model/train_reduced_model ... --timings timings.json
  python3 kernels/calibration/cpu_loop_reading.py plan.json ops.json timings.json times.csv [more.csv ...]

The first timed step is left out (it warms the allocator and caches). Communication and the optimizer are not
compute kinds; the catalog's EP dispatch and combine have no call on one device and are listed as unpriced."""
import argparse
import collections
import csv
import json


def call_times(path):
    with open(path) as f:
        rows = [line for line in f if not line.startswith("#")]
    return {r["id"]: float(r["seconds"]) for r in csv.DictReader(rows)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plan")
    p.add_argument("ops", help="trainsim ops S --json")
    p.add_argument("timings", help="train_reduced_model --timings")
    p.add_argument("times", nargs="+", help="calibration_run_cpu CSVs, each read on its own")
    a = p.parse_args()
    with open(a.plan) as f:
        plan = json.load(f)
    full_sms = max(c["sms"] for c in plan["calls"])
    call_of = {}  # (catalog op, dtype) -> the plan's call of its shape at the full SM count
    for c in plan["calls"]:
        if c["sms"] == full_sms and not c.get("sweep"):
            for name in c["ops"]:
                call_of.setdefault((name, c["dtype"]), c["id"])
    with open(a.ops) as f:
        layers = json.load(f)["layers"]
    with open(a.timings) as f:
        steps = json.load(f)["steps"][1:]
    measured = collections.defaultdict(float)
    for s in steps:
        for kind, seconds in s["compute_by_op_kind_s"].items():
            measured[kind] += seconds / len(steps)
    for path in a.times:
        times = call_times(path)
        predicted, unpriced = collections.defaultdict(float), set()
        for layer in layers:
            for op in layer["ops"]:
                if op["kind"] == "communication":
                    continue
                call = call_of.get((op["name"], op["dtype"]))
                if call is None:
                    unpriced.add(op["name"])
                    continue
                predicted[op["kind"]] += layer["count"] * times.get(call, 0.0)
        print(f"{path} against {a.timings} ({len(steps)} steps); unpriced: {', '.join(sorted(unpriced)) or 'none'}")
        print("| kind | catalog x isolated host timings, ms | measured in the model, ms | ratio |")
        print("| --- | ---: | ---: | ---: |")
        total_p = total_m = 0.0
        for kind in sorted(set(predicted) | set(measured)):
            pm, mm = predicted.get(kind, 0.0) * 1e3, measured.get(kind, 0.0) * 1e3
            if pm == 0 and mm == 0:
                continue
            total_p, total_m = total_p + pm, total_m + mm
            print(f"| {kind} | {pm:.2f} | {mm:.2f} | {pm / mm if mm else float('nan'):.2f} |")
        print(f"| compute | {total_p:.2f} | {total_m:.2f} | {total_p / total_m:.2f} |")


if __name__ == "__main__":
    main()
