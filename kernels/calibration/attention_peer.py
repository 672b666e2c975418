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
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mla"))
from mla_sdpa_peer import backends, median_seconds  # noqa: E402  (the MLA family's timing, one copy)


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


def time_call(backward, s, backend, pad):
    from torch.nn.attention import sdpa_kernel
    gen = torch.Generator(device="cuda").manual_seed(2026)
    dims = (s["batch"], s["heads"], s["seq_q"])
    q = torch.randn(*dims, s["head_dim"], device="cuda", dtype=torch.bfloat16, generator=gen).requires_grad_()
    k = torch.randn(*dims, s["head_dim"], device="cuda", dtype=torch.bfloat16, generator=gen).requires_grad_()
    v = torch.randn(*dims, s["value_dim"], device="cuda", dtype=torch.bfloat16, generator=gen)
    if pad:
        v = torch.cat([v, torch.zeros(*dims, s["head_dim"] - s["value_dim"], device="cuda", dtype=torch.bfloat16)], -1)
    v.requires_grad_()
    scale = s["head_dim"] ** -0.5
    with sdpa_kernel([backend]):
        forward = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale)  # noqa: E731
        if not backward:
            return median_seconds(forward, 2, 10)
        out = forward()
        d_out = torch.randn_like(out)
        return median_seconds(lambda: torch.autograd.grad(out, (q, k, v), d_out, retain_graph=True), 2, 10)


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
        for name, backend in backends():
            for pad in (False, True) if shape["head_dim"] != shape["value_dim"] else (False,):
                try:
                    seconds = time_call(backward, shape, backend, pad)
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
