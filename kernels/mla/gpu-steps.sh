# shellcheck shell=bash
# The kernels/mla steps of kernels/gpu-run.sh (MLA projections, attention forward/backward, decode). Each
# function runs as one step under its own cap, from the repository root, with $BUILD, $WORK, $QUICK and $PYTHON
# set; outputs go to $WORK/mla (check-*.txt, bench-*.csv, peer-sdpa.*), the report to $WORK/reports.
# Each check exits 0 only when every comparison with the FP64 reference passes.
mla_attention_check() { logged "$(family_dir mla)/check-attention.txt" "$BUILD/kernels/mla/mla_attention_check" "${QUICK_ARGS[@]}"; }
mla_decode_check() { logged "$(family_dir mla)/check-decode.txt" "$BUILD/kernels/mla/mla_decode_check" "${QUICK_ARGS[@]}"; }
mla_projections_check() {
  logged "$(family_dir mla)/check-projections.txt" "$BUILD/kernels/mla/mla_projections_check" "${QUICK_ARGS[@]}"
}

# The three benchmarks (--quick: their first shape), medians of 5, 20 and 20 repetitions.
mla_bench() {
  local dir rc=0 bench reps
  dir=$(family_dir mla)
  for bench in attention:5 projections:20 decode:20; do
    reps=${bench#*:}
    bench=${bench%:*}
    logged "$dir/bench-$bench.txt" "$BUILD/kernels/mla/mla_${bench}_bench" "${QUICK_ARGS[@]}" "$dir/bench-$bench.csv" \
      "$reps" || rc=1
  done
  return $rc
}

mla_sdpa_peer() { logged "$(family_dir mla)/peer-sdpa.txt" "$PYTHON" kernels/mla/mla_sdpa_peer.py "${QUICK_ARGS[@]}" --csv "$(family_dir mla)/peer-sdpa.csv"; }

mla_report() {
  local md
  md=$WORK/reports/mla-$(gpu_name).md
  "$PYTHON" kernels/mla/mla_report.py --dir "$(family_dir mla)" --device "$WORK/device.txt" > "$md.tmp" && mv "$md.tmp" "$md"
}

# One launch of the version 2 attention forward (batch 1, 4096 tokens, 128 heads) under Nsight Compute: what its
# 4.0 us per block-step waits on (NOTES.md: the miss's cause is not established).
mla_profile() {
  profiled "$(family_dir mla)/profile-attention-v2.txt" attention_forward_mma_kernel \
    "$BUILD/kernels/mla/mla_attention_bench" --quick "$(family_dir mla)/profile-bench.csv" 1
}
