# shellcheck shell=bash
# The kernels/model steps of kernels/gpu-run.sh: the reduced model's CUDA back-end held to its CPU back-end, layer by
# layer (layer_check.h), from the repository root with $BUILD, $WORK and $QUICK set. The report,
# model-layers-<gpu>.md, goes to $WORK/reports (copied to reports/published/ after review). Exits 0 only when every
# row passes (77: no device).
model_check() {
  logged "$(family_dir model)/check.txt" "$BUILD/kernels/model/model_cuda_check" "${QUICK_ARGS[@]}" \
    "$WORK/reports/model-layers-$(gpu_name).md"
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
