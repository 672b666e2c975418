#!/usr/bin/env python3
# The PyTorch peer of the FP8 GEMM benchmark: torch._scaled_mm on DeepSeek-V3's training shapes (the list
# sm90_fp8_gemm_bench --shapes-csv writes), with 1x128 / 128x128 block scales where the installed PyTorch and
# cuBLASLt accept them, else row-wise, else per-tensor scales, each labelled. Same method as the C++ benchmark.
import argparse
import csv
import os
import statistics
import sys

import torch

E4M3_MAX = 448.0
TILE = 128


def ceil_div(a, b):
    return (a + b - 1) // b


def quantize_tiles(x, rows_per_tile):
    """E4M3 codes of x (rows x k) with one scale per (rows_per_tile x 128) tile; scales (row tiles x k tiles)."""
    rows, k = x.shape
    pr, pk = ceil_div(rows, rows_per_tile) * rows_per_tile, ceil_div(k, TILE) * TILE
    padded = torch.zeros(pr, pk, device=x.device, dtype=torch.float32)
    padded[:rows, :k] = x
    tiles = padded.view(pr // rows_per_tile, rows_per_tile, pk // TILE, TILE)
    amax = tiles.abs().amax(dim=(1, 3))
    scale = torch.where(amax > 0, amax / E4M3_MAX, torch.ones_like(amax))
    q = (tiles / scale[:, None, :, None]).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)
    return q.view(pr, pk)[:rows, :k].contiguous(), scale


def dequantize_tiles(q, scale, rows_per_tile, rows=None):
    """FP64 values of (selected rows of) tile-quantized codes."""
    idx = torch.arange(q.shape[0], device=q.device) if rows is None else rows
    full = scale[idx // rows_per_tile].repeat_interleave(TILE, 1)[:, : q.shape[1]]
    return q[idx].double() * full.double()


def mn_major(scale):
    """(rows, k tiles) with rows contiguous: the stride PyTorch's 1x128 check asks for."""
    return scale.t().contiguous().t()


def padded_row_major(scale):
    """(row blocks, k tiles) row-major, row stride padded to 4 floats (newer PyTorch's 128x128 check)."""
    rb, kb = scale.shape
    store = torch.zeros(rb, ceil_div(kb, 4) * 4, device=scale.device, dtype=scale.dtype)
    store[:, :kb] = scale
    return store[:, :kb]


def build(scaling, kind, a, b):
    """For one scaling: the _scaled_mm call and FP64 dequantizers of its operands (for the reference)."""
    if scaling.startswith("blockwise"):
        b_rows = 1 if kind == "wgrad" else TILE
        qa, sa = quantize_tiles(a, 1)
        qb, sb = quantize_tiles(b, b_rows)
        if b_rows == 1:
            sbl = mn_major(sb)
        else:
            sbl = padded_row_major(sb) if "padded" in scaling else sb.contiguous()
        sal = mn_major(sa)
        call = lambda: torch._scaled_mm(qa, qb.t(), sal, sbl.t(), out_dtype=torch.bfloat16)  # noqa: E731
        return call, (lambda rows: dequantize_tiles(qa, sa, 1, rows)), (lambda: dequantize_tiles(qb, sb, b_rows))
    if scaling == "rowwise":
        qa, sa = quantize_tiles_whole(a)
        qb, sb = quantize_tiles_whole(b)
        call = lambda: torch._scaled_mm(qa, qb.t(), sa, sb.t(), out_dtype=torch.bfloat16)  # noqa: E731
        return call, (lambda rows: qa[rows].double() * sa[rows].double()), (lambda: qb.double() * sb.double())
    amax_a, amax_b = a.abs().max(), b.abs().max()
    sa, sb = (amax_a / E4M3_MAX).float(), (amax_b / E4M3_MAX).float()
    qa = (a / sa).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)
    qb = (b / sb).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)
    call = lambda: torch._scaled_mm(qa, qb.t(), sa, sb, out_dtype=torch.bfloat16)  # noqa: E731
    return call, (lambda rows: qa[rows].double() * sa.double()), (lambda: qb.double() * sb.double())


def quantize_tiles_whole(x):
    """Row-wise: one scale per row over all of K, as an (rows, 1) tensor."""
    amax = x.abs().amax(dim=1, keepdim=True)
    scale = torch.where(amax > 0, amax / E4M3_MAX, torch.ones_like(amax))
    return (x / scale).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn), scale


def scalings(kind):
    """From the most to the least faithful to DeepSeek-V3 (1x128 activations, 128x128 weights)."""
    block = ["blockwise 1x128 x 1x128"] if kind == "wgrad" else [
        "blockwise 1x128 x 128x128 (padded scales)", "blockwise 1x128 x 128x128 (contiguous scales)"]
    return block + ["rowwise", "per-tensor"]


def median_seconds(fns, warmup, samples, batch=10):
    """Median over samples of the mean of `batch` back-to-back calls (as the C++ benchmark times)."""
    call = 0
    for _ in range(warmup):
        fns[call % len(fns)]()
        call += 1
    torch.cuda.synchronize()
    times = []
    for _ in range(samples):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(batch):
            fns[call % len(fns)]()
            call += 1
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) * 1e-3 / batch)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shapes", required=True, help="CSV from sm90_fp8_gemm_bench --shapes-csv")
    parser.add_argument("--csv", required=True, help="output CSV")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--sets", type=int, default=3)
    args = parser.parse_args()
    gen = torch.Generator(device="cuda").manual_seed(int.from_bytes(os.urandom(4), "little"))
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name()}")
    rows = []
    with open(args.shapes) as f:
        shapes = list(csv.DictReader(f))
    for s in shapes:
        m, n, k, kind = int(s["m"]), int(s["n"]), int(s["k"]), s["kind"]
        sets = [(torch.randn(m, k, device="cuda", generator=gen), 0.02 * torch.randn(n, k, device="cuda", generator=gen))
                for _ in range(args.sets)]
        label, seconds, rel = "", float("nan"), float("nan")
        refusals = []
        for scaling in scalings(kind):
            built = [build(scaling, kind, a, b) for a, b in sets]
            try:
                out = built[0][0]()
                torch.cuda.synchronize()
            except Exception as e:  # noqa: BLE001 - the refusal is part of the result
                refusals.append(f"{scaling}: {str(e).splitlines()[0][:160]}")
                continue
            pick = torch.randint(0, m, (16,), device="cuda", generator=gen)
            ref = built[0][1](pick) @ built[0][2]().t()
            rel = ((out[pick].double() - ref).norm() / ref.norm()).item()
            del ref, out
            seconds = median_seconds([c[0] for c in built], 3, args.repeats)
            label = scaling
            break
        error = " | ".join(refusals)
        tflops = 2.0 * m * n * k / seconds * 1e-12
        print(f"{kind:6s} {s['layer'][:24]:24s} {m:6d} {n:6d} {k:6d}  {label or 'refused':40s} "
              f"{seconds * 1e6:9.1f} us {tflops:8.1f} TFLOPS  rel_l2 {rel:.2e}")
        rows.append({"layer": s["layer"], "kind": kind, "m": m, "n": n, "k": k, "scaling": label or "refused",
                     "median_s": seconds, "tflops": tflops, "rel_l2": rel, "refusals": error})
        del sets
        torch.cuda.empty_cache()
    tmp = args.csv + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, args.csv)
    print(f"wrote {args.csv}")


if __name__ == "__main__":
    sys.exit(main())
