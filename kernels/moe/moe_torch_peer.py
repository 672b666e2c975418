#!/usr/bin/env python3
"""PyTorch's grouped matmul (torch._grouped_mm, BF16) on the MoE benchmark's shapes and loads, as a peer.

Reads the loads moe_bench wrote (one line per placement: experts, MaxVio target, rows per expert), pads each
expert to 128 rows as our layout does, times fprop / dgrad / wgrad with CUDA events (median of 9 after 2
warm-ups), and writes a CSV and a Markdown table. FLOPs are counted on the 32,768 real rows, as in moe_bench.
Wgrad writes BF16 weight gradients where our Wgrad and the cuBLASLt loop write FP32: torch._grouped_mm takes
no output dtype other than its inputs' (_resolve_grouped_mm_out_dtype in aten/src/ATen/native/GroupedMMUtils.h;
PyTorch 2.11 refused FP32 on the H200 run of 2026-12-04).
Usage: moe_torch_peer.py LOADS.txt OUT.csv OUT.md
"""
import sys

HIDDEN, INTER, ALIGN, WARMUP, REPS = 7168, 2048, 128, 2, 9
SHAPES = [("fprop", 2 * INTER, HIDDEN), ("fprop", HIDDEN, INTER), ("dgrad", 2 * INTER, HIDDEN),
          ("dgrad", HIDDEN, INTER), ("wgrad", 2 * INTER, HIDDEN), ("wgrad", HIDDEN, INTER)]


def median_ms(torch, fn):
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(REPS):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return sorted(times)[len(times) // 2]


def main(loads_path, csv_path, md_path):
    with open(md_path, "w") as md, open(csv_path, "w") as out:
        try:
            import torch
        except ImportError:
            md.write("PyTorch is not installed on this machine: no PyTorch peer.\n")
            return 0
        grouped = getattr(torch, "_grouped_mm", None)
        md.write(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}; "
                 f"torch._grouped_mm {'present' if grouped else 'ABSENT: a loop of torch.mm per expert instead'}. "
                 "Every output BF16, Wgrad's too (ours and cuBLASLt's Wgrad write FP32).\n\n")
        md.write("| GEMM | local experts | MaxVio | N | K | time (us) | TFLOPS | path |\n"
                 "| --- | --- | --- | --- | --- | --- | --- | --- |\n")
        out.write("name,experts,max_vio_target,n,k,time_us,tflops,path\n")
        dev = torch.device("cuda")
        for line in open(loads_path):
            fields = line.split()
            experts, v, loads = int(fields[0]), float(fields[1]), [int(x) for x in fields[2:]]
            padded = [(l + ALIGN - 1) // ALIGN * ALIGN for l in loads]
            ends = torch.tensor(padded, device=dev, dtype=torch.int32).cumsum(0, dtype=torch.int32)
            rows, real = sum(padded), sum(loads)
            for kind, n, k in SHAPES:
                a = torch.randn(rows, k, device=dev, dtype=torch.bfloat16)
                dd = torch.randn(rows, n, device=dev, dtype=torch.bfloat16)
                w = torch.randn(experts, n, k, device=dev, dtype=torch.bfloat16) * 0.02
                starts = [0] + ends.tolist()[:-1]
                path = "torch._grouped_mm"
                if grouped and kind == "fprop":
                    fn = lambda: grouped(a, w.transpose(-2, -1), offs=ends, out_dtype=torch.bfloat16)
                elif grouped and kind == "dgrad":
                    fn = lambda: grouped(dd, w, offs=ends, out_dtype=torch.bfloat16)
                elif grouped:  # BF16 out: it accepts no other output dtype for BF16 inputs
                    path = "torch._grouped_mm (BF16 out)"
                    fn = lambda: grouped(dd.t(), a, offs=ends, out_dtype=torch.bfloat16)
                else:
                    path = "loop of torch.mm"
                    ops = {"fprop": lambda e, s, c: a[s:s + c] @ w[e].t(),
                           "dgrad": lambda e, s, c: dd[s:s + c] @ w[e],
                           "wgrad": lambda e, s, c: dd[s:s + c].t() @ a[s:s + c]}[kind]
                    fn = lambda: [ops(e, s, c) for e, (s, c) in enumerate(zip(starts, loads)) if c > 0]
                try:
                    ms = median_ms(torch, fn)
                except Exception as error:  # an unsupported layout or dtype on this version: say so, go on
                    md.write(f"| {kind} | {experts} | {v} | {n} | {k} | - | - | {path} failed: {str(error)[:80]} |\n")
                    continue
                tflops = 2.0 * real * n * k / (ms * 1e-3) / 1e12
                out.write(f"{kind},{experts},{v},{n},{k},{ms * 1e3:.2f},{tflops:.1f},{path}\n")
                md.write(f"| {kind} | {experts} | {v} | {n} | {k} | {ms * 1e3:.0f} | {tflops:.1f} | {path} |\n")
                print(f"{kind:6s} E={experts:2d} MaxVio {v} n={n:5d} k={k:5d} {ms * 1e3:9.1f} us "
                      f"{tflops:7.1f} TFLOPS ({path})")
                del a, dd, w
                torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: moe_torch_peer.py LOADS.txt OUT.csv OUT.md")
    sys.exit(main(*sys.argv[1:]))
