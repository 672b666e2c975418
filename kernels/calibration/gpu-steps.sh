# shellcheck shell=bash
# The calibration sweep's steps of kernels/gpu-run.sh (kernels/CALIBRATION.md): the plan ($CALIBRATION_PLAN; by
# default the DeepSeek-V3 scenario's, deepseek-v3-2048xh800.plan.json beside this file) flattened and timed call
# by call with the families' kernels, then written as calibration-results.json for `trainsim calibrate
# --from-kernels`. Each function runs as one step under its own cap, with $BUILD, $WORK, $QUICK and $PYTHON set.
# The planning sweep keeps each call's fastest kernel at hand (--fastest: cuBLASLt's FP8 GEMMs beside ours;
# attention_peer.py: PyTorch's SDPA beside our attention), each named in the results: a plan's prices should be the
# kernels a run would use, not only the project's own (kernels/CALIBRATION.md).
calibration_sweep() {
  local dir rc
  dir=$(family_dir calibration)
  "$PYTHON" kernels/calibration/calibration_io.py flatten "$CALIBRATION_PLAN" > "$dir/calls.txt" || return 1
  logged "$dir/run.txt" "$BUILD/kernels/calibration/calibration_run" "${QUICK_ARGS[@]}" --fastest "$dir/calls.txt" \
    "$dir/times.csv"
  rc=$?
  # The peer is optional: without it attention keeps our kernel's times.
  logged "$dir/attention-peer.txt" "$PYTHON" kernels/calibration/attention_peer.py "$dir/calls.txt" "$dir/peer.csv" ||
    rm -f "$dir/peer.csv"
  return $rc
}

# Also after the sweep timed out: its times are written a call at a time.
calibration_results() {
  local dir peers=()
  dir=$(family_dir calibration)
  [ -s "$dir/peer.csv" ] && peers=("$dir/peer.csv")
  "$PYTHON" kernels/calibration/calibration_io.py results "$dir/times.csv" "${peers[@]}" \
    -o "$WORK/calibration-results.json"
}
