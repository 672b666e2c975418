#!/usr/bin/env bash
# All GPU work in one device call: build kernels/ alone with nvcc, run every family's checks and
# benchmarks, write logs and published reports under $OUT. Usage (on the GPU machine, repo root):
#   OUT=/some/dir bash kernels/gpu-run.sh
# Each kernel family adds kernels/<family>/gpu-run.part.sh, sourced here in order, with $BUILD and $OUT set.
# The device tool returns at most 8 files from $OUT: the parts write into a work folder, and $OUT receives
# the published reports (*.md), device.txt, and everything else packed in gpu-results.tar.gz.
set -euo pipefail
RESULTS=${OUT:-$PWD/out}
OUT=$(mktemp -d /tmp/trainsim-gpu-XXXXXX)
BUILD=${BUILD:-$PWD/build-gpu}
mkdir -p "$RESULTS"
pack_results() {
  cp "$OUT"/*.md "$OUT/device.txt" "$RESULTS"/ 2>/dev/null || true
  tar -czf "$RESULTS/gpu-results.tar.gz" -C "$OUT" .
  echo "results: $(ls "$RESULTS" | tr '\n' ' ')"
}
trap pack_results EXIT
{
  echo "# device"; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem --format=csv || true
  nvcc --version | tail -2
} | tee "$OUT/device.txt"
cmake -S . -B "$BUILD" -G Ninja -DTRAINSIM_KERNELS_ONLY=ON -DTRAINSIM_CUDA=ON -DCMAKE_BUILD_TYPE=Release \
  > "$OUT/build.log" 2>&1
cmake --build "$BUILD" -j 16 >> "$OUT/build.log" 2>&1 || { tail -50 "$OUT/build.log"; exit 1; }
status=0
for part in kernels/*/gpu-run.part.sh; do
  [ -f "$part" ] || continue
  echo "== $part"
  # shellcheck source=/dev/null
  source "$part" || { echo "FAILED: $part"; status=1; }
done
exit $status
