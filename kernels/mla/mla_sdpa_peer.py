#!/usr/bin/env python3
# The PyTorch peer of mla_attention_bench: torch.nn.functional.scaled_dot_product_attention, causal, BF16, at
# DeepSeek-V3's shapes (batch 1 and 2, 4096 tokens, 128 heads, qk 192, v 128), on every SDPA backend this
# PyTorch offers; same CSV columns and causal FLOP counts as kernels/mla/mla_problem.h.
"""PyTorch SDPA peer for the MLA attention benchmark.

Each backend is tried with v head dim 128 first; a backend that refuses unequal head dims (qk 192, v 128) is
retried with v zero-padded to 192 and labelled '-pad-v192'. FLOPs are always counted at v 128 (the useful
work), so a padded backend is charged for its padding. The math backend materialises S x S scores (over
4 GiB per batch here) and is left out. Forward is timed with autograd on (the training forward, which keeps
the log-sum-exp); backward by torch.autograd.grad on a retained graph. Median of CUDA-event timings.
"""
import argparse
import csv
import os
import statistics
import sys

import torch
import torch.nn.functional as F

HEADS, SEQ, QK, V = 128, 4096, 192, 128


def causal_pairs(batch):
    return batch * SEQ * (SEQ + 1) / 2


def flops_bytes(batch):
    pairs, rows = causal_pairs(batch), batch * SEQ * HEADS
    fwd = (2 * pairs * HEADS * (QK + V), rows * (2 * (2 * QK + V) + 2 * V + 4))
    bwd = (2 * pairs * HEADS * (3 * QK + 2 * V), rows * (2 * (2 * QK + 3 * V) + 4 + 2 * (2 * QK + V)))
    return fwd, bwd


def median_seconds(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) * 1e-3)
    return statistics.median(times)


def backends():
    from torch.nn.attention import SDPBackend
    found = []
    for name in ("CUDNN_ATTENTION", "FLASH_ATTENTION", "EFFICIENT_ATTENTION"):
        if hasattr(SDPBackend, name):
            found.append((name.split("_")[0].lower(), getattr(SDPBackend, name)))
    return found


def run(backend, batch, pad, reps, heads=HEADS, seq=SEQ, qk=QK, v_dim=V):
    """Forward and backward seconds of causal SDPA on `backend` (DeepSeek-V3's shape unless given; also
    kernels/calibration/attention_peer.py's, at a plan's shapes)."""
    from torch.nn.attention import sdpa_kernel
    gen = torch.Generator(device="cuda").manual_seed(1234 + batch)
    shape = (batch, heads, seq)
    q = torch.randn(*shape, qk, device="cuda", dtype=torch.bfloat16, generator=gen).requires_grad_()
    k = torch.randn(*shape, qk, device="cuda", dtype=torch.bfloat16, generator=gen).requires_grad_()
    v_real = torch.randn(*shape, v_dim, device="cuda", dtype=torch.bfloat16, generator=gen)
    v = (torch.cat([v_real, torch.zeros(*shape, qk - v_dim, device="cuda", dtype=torch.bfloat16)], -1) if pad
         else v_real).requires_grad_()
    with sdpa_kernel([backend]):
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=qk ** -0.5)
        d_out = torch.randn_like(out)
        fwd = median_seconds(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=qk ** -0.5),
                             2, reps)
        bwd = median_seconds(lambda: torch.autograd.grad(out, (q, k, v), d_out, retain_graph=True), 2, reps)
    return fwd, bwd


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="batch 1 only, as mla_attention_bench --quick")
    args = parser.parse_args()
    print(f"# torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, "
          f"{torch.cuda.get_device_name()}")
    rows = []
    for batch in (1,) if args.quick else (1, 2):
        (ff, fb), (bf, bb) = flops_bytes(batch)
        shape = f"b{batch}_s{SEQ}_h{HEADS}_qk{QK}_v{V}"
        for name, backend in backends():
            for pad in (False, True):
                label = f"sdpa-{name}" + ("-pad-v192" if pad else "")
                try:
                    fwd, bwd = run(backend, batch, pad, args.reps)
                except RuntimeError as e:  # the backend refuses these dims (or is absent); say why, go on
                    print(f"{label:28s} {shape}: refused: {str(e).strip().splitlines()[0][:160]}")
                    torch.cuda.empty_cache()
                    continue
                for op, t, f, b in (("attention_forward", fwd, ff, fb), ("attention_backward", bwd, bf, bb)):
                    rows.append([op, label, shape, f"{t:.9g}", f"{f:.9g}", f"{b:.9g}", f"{f / t * 1e-12:.6g}",
                                 f"{b / t * 1e-9:.6g}"])
                    print(f"{op:20s} {label:28s} {shape} {t * 1e3:9.3f} ms {f / t * 1e-12:8.1f} TFLOPS")
                torch.cuda.empty_cache()
                break  # native dims worked: no padded run needed
    tmp = args.csv + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["op", "variant", "shape", "time_s", "flops", "bytes", "tflops", "gbps"])
        w.writerows(rows)
    os.replace(tmp, args.csv)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
