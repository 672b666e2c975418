#!/usr/bin/env python3
"""The attention calls of a flattened calibration plan timed with PyTorch's SDPA (calibration_run --fastest's peer).

  attention_peer.py CALLS.txt PEER.csv

calibration_run times attention with the project's MLA kernels only; a planning calibration wants the fastest
kernel at hand (kernels/CALIBRATION.md), and on Hopper that is PyTorch's cuDNN backend (reports/published/
mla-<gpu>.md). Each attention_forward / attention_backward call at the GPU's full SM count is run causal, BF16, on
every SDPA backend mla_sdpa_peer.py knows (v zero-padded to qk's head dim where a backend needs equal dims, and so
labelled); the fastest is written as calibration_run writes a row (id,seconds,sms,kernel), for
`calibration_io.py results TIMES.csv PEER.csv`, which keeps each call's fastest row. A call no backend runs is left
out and said so; the exit code is 0 when at least one call was timed.
"""
import csv
import functools
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mla"))
from mla_sdpa_peer import backends, run  # noqa: E402  (the MLA family's SDPA timing, one copy)


def attention_calls(calls_path, sm_count):
    with open(calls_path) as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#") or words[1] not in ("attention_forward", "attention_backward"):
                continue
            if int(words[5]) < sm_count:
                continue  # as calibration_run: no kernel can be held to fewer SMs
            shape = dict(w.split("=", 1) for w in words[6:] if not w.startswith("ops="))
            yield words[0], words[1] == "attention_backward", {k: int(v) for k, v in shape.items()}


@functools.lru_cache(maxsize=None)
def timed(batch, heads, seq, qk, v_dim, backend_name, pad):
    """(forward, backward) seconds of one shape on one backend: a plan's forward and backward calls share it."""
    backend = dict(backends())[backend_name]
    return run(backend, batch, pad, 10, heads, seq, qk, v_dim)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: attention_peer.py CALLS.txt PEER.csv")
    sm_count = torch.cuda.get_device_properties(0).multi_processor_count
    rows = []
    for call_id, backward, shape in attention_calls(sys.argv[1], sm_count):
        if shape["seq_q"] != shape["seq_kv"]:
            print(f"{call_id}: left out: seq_q != seq_kv")
            continue
        best = None
        for name, _ in backends():
            for pad in (False, True) if shape["head_dim"] != shape["value_dim"] else (False,):
                try:
                    seconds = timed(shape["batch"], shape["heads"], shape["seq_q"], shape["head_dim"],
                                    shape["value_dim"], name, pad)[1 if backward else 0]
                except RuntimeError as e:  # this backend refuses these dims: try the next
                    print(f"{call_id}: sdpa-{name}{'-pad-v' if pad else ''} refused: {str(e).splitlines()[0][:120]}")
                    torch.cuda.empty_cache()
                    continue
                label = f"torch SDPA {name}" + (f" (v padded to {shape['head_dim']})" if pad else "")
                if best is None or seconds < best[0]:
                    best = (seconds, label)
                torch.cuda.empty_cache()
                break  # native dims worked: no padded run
        if best is None:
            print(f"{call_id}: left out: no SDPA backend runs it")
            continue
        rows.append([call_id, f"{best[0]:.9g}", sm_count, best[1]])
        print(f"{call_id:24s} {best[0] * 1e6:12.3f} us  {best[1]}")
    with open(sys.argv[2] + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "seconds", "sms", "kernel"])
        w.writerows(rows)
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
