# FP8 quantization and block-scaled GEMM (issue 6), sourced by kernels/gpu-run.sh with $BUILD and $OUT set:
# bit-exact quantization check, GEMM checks, the accuracy experiment, the benchmark beside cuBLASLt, the
# torch._scaled_mm peer, then reports/published/fp8-gemm-<gpu>.md written into $OUT. FP8_QUICK=1: fewer shapes.
fp8_out="$OUT/fp8"
mkdir -p "$fp8_out"
fp8_bin="$BUILD/kernels/fp8"
fp8_status=0
fp8_quick=()
[ "${FP8_QUICK:-0}" = 1 ] && fp8_quick=(--quick)

# What the compiler made of the WGMMA kernel: registers, shared memory, and whether QGMMA (FP8 WGMMA) is there.
{
  cuobjdump -res-usage "$fp8_bin/sm90_fp8_gemm_bench" 2>&1 | grep -A1 wgmma_gemm_kernel | head -8
  echo "QGMMA instructions: $(cuobjdump -sass "$fp8_bin/sm90_fp8_gemm_bench" 2>/dev/null | grep -c QGMMA)"
  echo "UTMALDG instructions: $(cuobjdump -sass "$fp8_bin/sm90_fp8_gemm_bench" 2>/dev/null | grep -c UTMALDG)"
} > "$fp8_out/sass_summary.txt" 2>&1 || true
cat "$fp8_out/sass_summary.txt"

"$fp8_bin/sm90_fp8_quantize_check" > "$fp8_out/quantize_check.log" 2>&1 || fp8_status=1
tail -1 "$fp8_out/quantize_check.log"
"$fp8_bin/sm90_fp8_gemm_check" > "$fp8_out/gemm_check.log" 2>&1 || fp8_status=1
grep -E "^(FAIL|trainsim)" "$fp8_out/gemm_check.log" | head -20 || true
tail -1 "$fp8_out/gemm_check.log"
"$fp8_bin/sm90_fp8_gemm_accuracy" "$fp8_out/accuracy.csv" > "$fp8_out/accuracy.log" 2>&1 || fp8_status=1
grep -E "^(K |4096 )" "$fp8_out/accuracy.log" | head -8 || true
"$fp8_bin/sm90_fp8_gemm_bench" "${fp8_quick[@]}" --shapes-csv "$fp8_out/shapes.csv" || fp8_status=1
"$fp8_bin/sm90_fp8_gemm_bench" "${fp8_quick[@]}" --csv "$fp8_out/bench.csv" > "$fp8_out/bench.log" 2>&1 || fp8_status=1
tail -4 "$fp8_out/bench.log"
nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw --format=csv \
  > "$fp8_out/clocks_after_bench.txt" 2>&1 || true
python3 kernels/fp8/scaled_mm_peer.py --shapes "$fp8_out/shapes.csv" --csv "$fp8_out/torch_scaled_mm.csv" \
  > "$fp8_out/torch_scaled_mm.log" 2>&1 || { fp8_status=1; tail -5 "$fp8_out/torch_scaled_mm.log"; }
python3 kernels/fp8/make_report.py --dir "$fp8_out" --device "$OUT/device.txt" --out "$OUT" || fp8_status=1
return $fp8_status
