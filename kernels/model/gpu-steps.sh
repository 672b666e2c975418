# shellcheck shell=bash
# The kernels/model steps of kernels/gpu-run.sh, from the repository root with $BUILD, $WORK and $QUICK set:
# - model_check: the reduced model's CUDA back-end held to its CPU back-end, layer by layer (layer_check.h). The
#   report, model-layers-<gpu>.md, goes to $WORK/reports (copied to reports/published/ after review). Exits 0 only
#   when every row passes (77: no device).
# - model_parallel_check: the model on every GPU there is over NCCL (expert, data and pipeline parallel), against the
#   same ranks as threads (model_parallel_check.cu; one GPU forms groups of one: the NCCL calls, not their traffic).
# - model_calibration: the calibration sweep of the reduced model's scenario on one H100
#   (scenarios/validation/reduced-deepseek-v3-h100.yaml; its plan, reduced-deepseek-v3-h100.plan.json beside this
#   file, is `trainsim calibrate --device`'s), timed as calibration_sweep times DeepSeek-V3's, into
#   $WORK/model/calibration-results-<gpu>.json for `trainsim calibrate --from-kernels`: the prices of the model's
#   own small shapes, which a calibration of DeepSeek-V3's shapes would only extrapolate to.
# - model_calibration_fp8: the same at FP8 (reduced-deepseek-v3-h100-fp8.plan.json), into
#   $WORK/model/calibration-results-fp8-<gpu>.json: the prices of model-step's FP8 run.
# - model_step: the GPU config trained on the CUDA back-end, BF16 then FP8, each op's kernels timed on the device
#   (train_reduced_model_cuda --timings: device_by_op_kind_s) and the last step traced, into $WORK/model/
#   (gpu-results.tar.gz); its 2 x 48 tokens a step are the scenario's. `trainsim validate SCENARIO --device-timings
#   model/train-bf16-<gpu>.json` compares them (docs/validation.md). The corpus is the text the GPU machine has:
#   Python's standard library (fortunes, which the CPU's runs read, is a Debian package it lacks).
model_check() {
  logged "$(family_dir model)/check.txt" "$BUILD/kernels/model/model_cuda_check" "${QUICK_ARGS[@]}" \
    "$WORK/reports/model-layers-$(gpu_name).md"
}

model_parallel_check() {
  logged "$(family_dir model)/parallel-check.txt" "$BUILD/kernels/model/model_parallel_check" "${QUICK_ARGS[@]}" \
    "$REPO/kernels/model/configs/reduced-deepseek-v3-tiny.json"
}

model_step() {
  local dir corpus precision
  dir=$(family_dir model)
  corpus=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2> /dev/null)
  [ -d "$corpus" ] || corpus=/usr/share/games/fortunes
  for precision in bf16 fp8; do
    logged "$dir/train-$precision.txt" "$BUILD/kernels/model/train_reduced_model_cuda" --backend cuda \
      --config "$REPO/kernels/model/configs/reduced-deepseek-v3-gpu.json" --corpus "$corpus" --precision "$precision" \
      --steps 12 --sequences 2 --length 47 --eval-every 12 --eval-sequences 4 \
      --timings "$dir/train-$precision-$(gpu_name).json" \
      --trace "$dir/train-$precision-trace-$(gpu_name).json" || return $?
  done
}

# time_model_plan PLAN NAME: PLAN's calls timed into $WORK/model/NAME-<gpu>.json (calibration_io.py's results), one
# call at a time behind a stream hold (--isolated), as the model's CUDA back-end times its calls in model-step; the
# memory-bound calls with the model's own kernels (the GPU config: calibration_run's MODEL_CONFIG.json).
time_model_plan() {
  local dir
  dir=$(family_dir model)
  "$PYTHON" kernels/calibration/calibration_io.py flatten "$1" > "$dir/$2-calls.txt" || return 1
  logged "$dir/$2-run.txt" "$BUILD/kernels/calibration/calibration_run" "${QUICK_ARGS[@]}" --isolated \
    "$dir/$2-calls.txt" "$dir/$2-times.csv" "$REPO/kernels/model/configs/reduced-deepseek-v3-gpu.json" || return $?
  "$PYTHON" kernels/calibration/calibration_io.py results "$dir/$2-times.csv" -o "$dir/$2-$(gpu_name).json"
}

model_calibration() {
  time_model_plan kernels/model/reduced-deepseek-v3-h100.plan.json calibration-results
}

# The same scenario at FP8 (its plan: `trainsim calibrate --device ... --set training.precision=fp8`): the FP8 GEMMs
# and the activations' casts that model-step's FP8 run times on the device.
model_calibration_fp8() {
  time_model_plan kernels/model/reduced-deepseek-v3-h100-fp8.plan.json calibration-results-fp8
}
