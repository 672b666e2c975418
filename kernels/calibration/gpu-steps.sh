# shellcheck shell=bash
# The calibration sweep's steps of kernels/gpu-run.sh (kernels/CALIBRATION.md): the plan ($CALIBRATION_PLAN; by
# default the DeepSeek-V3 scenario's, deepseek-v3-2048xh800.plan.json beside this file) flattened and timed call
# by call with the families' kernels, then written as calibration-results.json for `trainsim calibrate
# --from-kernels`. Each function runs as one step under its own cap, with $BUILD, $WORK, $QUICK and $PYTHON set.
calibration_sweep() {
  local dir
  dir=$(family_dir calibration)
  "$PYTHON" kernels/calibration/calibration_io.py flatten "$CALIBRATION_PLAN" > "$dir/calls.txt" || return 1
  logged "$dir/run.txt" "$BUILD/kernels/calibration/calibration_run" "${QUICK_ARGS[@]}" "$dir/calls.txt" "$dir/times.csv"
}

# Also after the sweep timed out: its times are written a call at a time.
calibration_results() {
  "$PYTHON" kernels/calibration/calibration_io.py results "$(family_dir calibration)/times.csv" -o "$WORK/calibration-results.json"
}
