# shellcheck shell=bash
# The kernels/model steps of kernels/gpu-run.sh: the reduced model's CUDA back-end held to its CPU back-end, layer by
# layer (layer_check.h), from the repository root with $BUILD, $WORK and $QUICK set. The report,
# model-layers-<gpu>.md, goes to $WORK/reports (copied to reports/published/ after review). Exits 0 only when every
# row passes (77: no device).
model_check() {
  logged "$(family_dir model)/check.txt" "$BUILD/kernels/model/model_cuda_check" "${QUICK_ARGS[@]}" \
    "$WORK/reports/model-layers-$(gpu_name).md"
}
