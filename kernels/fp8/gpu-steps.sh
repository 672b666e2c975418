# shellcheck shell=bash
# The kernels/fp8 steps of kernels/gpu-run.sh (FP8 quantization and block-scaled GEMM). Each function runs as
# one step under its own cap, from the repository root, with $BUILD, $WORK, $QUICK and $PYTHON set; outputs go
# to $WORK/fp8 (NOTES.md says what each file holds and who reads it), the report to $WORK/reports.
# Bit-exact against the CPU quantizer; then SIMT and WGMMA GEMMs against the FP64 reference, cuBLASLt beside.
fp8_quantize_check() { logged "$(family_dir fp8)/quantize_check.log" "$BUILD/kernels/fp8/sm90_fp8_quantize_check" "${QUICK_ARGS[@]}"; }
fp8_gemm_check() { logged "$(family_dir fp8)/gemm_check.log" "$BUILD/kernels/fp8/sm90_fp8_gemm_check" "${QUICK_ARGS[@]}"; }

# What the compiler made of the WGMMA kernel: registers, shared memory, QGMMA (FP8 WGMMA) and TMA loads.
fp8_sass() {
  local bin=$BUILD/kernels/fp8/sm90_fp8_gemm_bench
  {
    cuobjdump -res-usage "$bin" 2>&1 | grep -A1 wgmma_gemm_kernel | head -16
    echo "QGMMA instructions: $(cuobjdump -sass "$bin" 2>/dev/null | grep -c QGMMA)"
    echo "UTMALDG instructions: $(cuobjdump -sass "$bin" 2>/dev/null | grep -c UTMALDG)"
  } | tee "$(family_dir fp8)/sass_summary.txt"
}

# The DeepSeek-V3 shapes beside cuBLASLt (--quick: the six DeepGEMM shapes), and the clocks the GPU ran at.
fp8_bench() {
  local dir bin=$BUILD/kernels/fp8/sm90_fp8_gemm_bench
  dir=$(family_dir fp8)
  "$bin" "${QUICK_ARGS[@]}" --shapes-csv "$dir/shapes.csv" || return 1
  logged "$dir/bench.log" "$bin" "${QUICK_ARGS[@]}" --csv "$dir/bench.csv" || return 1
  nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw --format=csv \
    > "$dir/clocks_after_bench.txt" 2>&1
  return 0
}

# Promotion against none at K = 512 ... 16384 (--quick: up to 4096).
fp8_accuracy() {
  logged "$(family_dir fp8)/accuracy.log" "$BUILD/kernels/fp8/sm90_fp8_gemm_accuracy" "${QUICK_ARGS[@]}" "$(family_dir fp8)/accuracy.csv"
}

fp8_torch_peer() {
  local dir
  dir=$(family_dir fp8)
  logged "$dir/torch_scaled_mm.log" "$PYTHON" kernels/fp8/scaled_mm_peer.py --shapes "$dir/shapes.csv" \
    --csv "$dir/torch_scaled_mm.csv"
}

# The next lease's experiments (NOTES.md, E1-E3): timing only, each beside the plain WGMMA GEMM of the same process.
fp8_experiments() {
  logged "$(family_dir fp8)/experiments.log" "$BUILD/kernels/fp8/sm90_fp8_gemm_bench" \
    --experiments-csv "$(family_dir fp8)/experiments.csv"
}

# One launch of the WGMMA GEMM (the experiments' first shape, q_a+kv_a Fprop) under Nsight Compute: its stall reasons.
fp8_profile() {
  profiled "$(family_dir fp8)/profile-wgmma.txt" wgmma_gemm_kernel "$BUILD/kernels/fp8/sm90_fp8_gemm_bench" \
    --repeats 1 --sets 1 --experiments-csv "$(family_dir fp8)/profile-experiments.csv"
}

fp8_report() { "$PYTHON" kernels/fp8/make_report.py --dir "$(family_dir fp8)" --device "$WORK/device.txt" --out "$WORK/reports"; }
