#!/usr/bin/env bash
# All GPU work in one device call that cannot overrun: environment facts, one build of every kernel family,
# correctness on small and ragged shapes against the FP64 CPU references, then speed beside the peers, the
# reports, the calibration sweep and the reduced model. Each step runs under its own `timeout` inside one
# deadline; a family whose build or checks fail is not timed; results are packed into $OUT after every step,
# so a run killed at any point returns everything done so far (at most 8 files: see pack_results).
#
#   OUT=/some/dir bash kernels/gpu-run.sh [--full]     # on the GPU machine, from the repository root
#
# Quick modes (each driver's --quick: the short list of shapes) are the default, so the whole run fits one
# device call with time to spare; --full runs every shape. The steps of each family are in
# kernels/<family>/gpu-steps.sh. Environment (all optional):
#   BUILD                      the build folder (build-gpu)
#   GPU_RUN_DEADLINE_S         seconds from the start after which no step starts (540: a device call is
#                              limited to 600 s, and the machine's start-up is not part of it)
#   GPU_RUN_CAP_SCALE          multiplies every step's cap (1; the dry run uses 0.02)
#   CALIBRATION_PLAN           the plan of `trainsim calibrate --device` to time (kernels/CALIBRATION.md; the
#                              default scenario's, kernels/calibration/deepseek-v3-2048xh800.plan.json)
#   PYTHON                     the Python with PyTorch (python3)
# The dry run (tests/kernels/gpu_run_dry_run_test.sh) puts stand-ins for nvidia-smi, nvcc, cmake, cuobjdump
# and python3 first on PATH: the script's deadline, gating and packing run on any CPU.
set -uo pipefail  # not -e: a failed step is recorded and the run goes on

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
export REPO BUILD=${BUILD:-$PWD/build-gpu} PYTHON=${PYTHON:-python3}
export CALIBRATION_PLAN=${CALIBRATION_PLAN:-$REPO/kernels/calibration/deepseek-v3-2048xh800.plan.json}

# Every family's step functions: <family>_<step>, run as `bash gpu-run.sh --step NAME` under timeout.
for steps in "$REPO"/kernels/*/gpu-steps.sh; do
  # shellcheck source=/dev/null
  source "$steps"
done

# --- steps of the run itself -------------------------------------------------------------------------------

run_env() {  # what ran: GPU, driver, clocks, CUDA, cuBLASLt, PyTorch
  {
    echo "# device"
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit,memory.total \
      --format=csv || echo "nvidia-smi failed"
    echo "# nvcc"; nvcc --version | tail -2
    echo "# cuBLASLt"; readlink -f /usr/local/cuda/lib64/libcublasLt.so
    echo "# PyTorch"
    "$PYTHON" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name())' \
      2>&1 | tail -1
  } | tee "$WORK/device.txt"
  nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | grep -oiE 'h100|h200|h800|h20|a100|b200' | head -1 |
    tr '[:upper:]' '[:lower:]' > "$WORK/gpu_name"
  [ -s "$WORK/gpu_name" ] || echo gpu > "$WORK/gpu_name"
}

run_configure() {
  cmake -S "$REPO" -B "$BUILD" -G Ninja -DTRAINSIM_KERNELS_ONLY=ON -DTRAINSIM_CUDA=ON -DCMAKE_BUILD_TYPE=Release
}

run_build() {  # every family in one ninja call that goes on past errors (-k 0): a broken family stops only itself
  cmake --build "$BUILD" --target gpu_fp8 gpu_mla gpu_moe gpu_moe_fp8 gpu_calibration gpu_model -j "$(nproc)" -- -k 0
}

# --- helpers of the steps ---------------------------------------------------------------------------------

# logged FILE CMD...: runs CMD with its output in FILE (what a family's report reads), then shows FILE's end.
logged() {
  local file=$1 rc
  shift
  "$@" > "$file" 2>&1
  rc=$?
  tail -n 3 "$file"
  return $rc
}

# profiled FILE KERNEL_REGEX CMD...: one launch of the kernels matching KERNEL_REGEX in CMD, profiled by Nsight
# Compute into FILE as text: speed of light, warp stall reasons, occupancy, the pipes' and memory's use. The clocks
# are left alone (--clock-control none: the device README says so). No ncu on the machine: exit 77, a skip.
profiled() {
  local file=$1 kernels=$2
  shift 2
  command -v ncu > /dev/null || { echo "no ncu on this machine" > "$file"; return 77; }
  logged "$file" ncu --clock-control none --launch-count 1 -k "regex:$kernels" --section SpeedOfLight \
    --section WarpStateStats --section Occupancy --section LaunchStats --section ComputeWorkloadAnalysis \
    --section MemoryWorkloadAnalysis --section SchedulerStats "$@"
}

gpu_name() { cat "$WORK/gpu_name" 2>/dev/null || echo gpu; }

# family_dir FAMILY: the family's output folder under $WORK (made on first use), for its logs and CSV.
family_dir() { mkdir -p "$WORK/$1" && echo "$WORK/$1"; }

# --- the step runner ---------------------------------------------------------------------------------------

elapsed_s() { echo $(($(date +%s) - START_S)); }

record() {  # step, outcome, exit code, seconds, cap, note
  echo "$1,$2,$3,$4,$5,$6" >> "$WORK/status.csv"
  printf '[%4d s] %-24s %-8s %s\n' "$(elapsed_s)" "$1" "$2" "$6"
}

outcome_of() { awk -F, -v s="$1" '$1 == s { o = $2 } END { print o }' "$WORK/status.csv"; }

# The reason a step may not run, or nothing: `built:FAMILY` needs the family's drivers, `passed:STEP` needs
# that step to have succeeded, `ran:STEP` to have succeeded or run out of time (its results so far are kept).
gate_reason() {
  local need
  for need in "$@"; do
    case $need in
      built:*) [ -f "$WORK/built/${need#built:}" ] || { echo "${need#built:} not built"; return; } ;;
      passed:*) [ "$(outcome_of "${need#passed:}")" = ok ] || { echo "${need#passed:} did not pass"; return; } ;;
      ran:*) [[ $(outcome_of "${need#ran:}") =~ ^(ok|timeout)$ ]] || { echo "${need#ran:} did not run"; return; } ;;
    esac
  done
}

# run_step NAME CAP_S [NEEDS...]: runs function NAME (dashes as underscores) under timeout, within the deadline.
run_step() {
  local name=$1 cap_s=$2 reason left_s rc t0 t1 seconds outcome note=""
  shift 2
  reason=$(gate_reason "$@")
  if [ -n "$reason" ]; then record "$name" skipped "" 0 0 "gated: $reason"; pack_results; return; fi
  cap_s=$(awk -v c="$cap_s" -v s="${GPU_RUN_CAP_SCALE:-1}" 'BEGIN { c = int(c * s + 0.999); print c < 1 ? 1 : c }')
  left_s=$((DEADLINE_S - $(elapsed_s)))
  if [ "$left_s" -lt 1 ]; then record "$name" skipped "" 0 "$cap_s" "deadline passed"; pack_results; return; fi
  [ "$cap_s" -gt "$left_s" ] && { cap_s=$left_s; note="cap cut to the deadline"; }
  t0=$(date +%s.%N)
  timeout --kill-after=5 "$cap_s" bash "$SELF" --step "$name" > "$WORK/logs/$name.log" 2>&1 < /dev/null
  rc=$?
  t1=$(date +%s.%N)
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  case $rc in
    0) outcome=ok ;;
    124 | 137) outcome=timeout; note="killed at its cap of $cap_s s${note:+; $note}" ;;
    77) outcome=skipped; note="no device (exit 77)" ;;
    *) outcome=failed ;;
  esac
  record "$name" "$outcome" "$rc" "$seconds" "$cap_s" "$note"
  [ "$outcome" = ok ] || tail -n 5 "$WORK/logs/$name.log" | sed 's/^/    /'
  pack_results
}

# A family is built when every driver its steps call exists (the build goes on past a broken family).
mark_built_families() {
  local family driver missing
  mkdir -p "$WORK/built"
  for family in fp8 mla moe moe_fp8 calibration model model_parallel; do
    missing=""
    for driver in $(family_drivers "$family"); do [ -x "$BUILD/kernels/$driver" ] || missing="$missing $driver"; done
    if [ -z "$missing" ]; then touch "$WORK/built/$family"; else echo "$family: missing$missing"; fi
  done
}

family_drivers() {
  case $1 in
    fp8) echo fp8/sm90_fp8_quantize_check fp8/sm90_fp8_gemm_check fp8/sm90_fp8_gemm_accuracy fp8/sm90_fp8_gemm_bench ;;
    mla) echo mla/mla_attention_check mla/mla_decode_check mla/mla_projections_check mla/mla_attention_bench \
      mla/mla_decode_bench mla/mla_projections_bench ;;
    moe) echo moe/moe_check moe/moe_bench ;;
    moe_fp8) echo moe/moe_fp8_check moe/moe_fp8_bench ;;
    calibration) echo calibration/calibration_run ;;
    model) echo model/model_cuda_check model/train_reduced_model_cuda ;;
    model_parallel) echo model/model_parallel_check ;;  # built only where NCCL is (kernels/model/CMakeLists.txt)
  esac
}

# $OUT gets at most 8 files: summary.txt (device, every step's outcome, the tail of each failed step's log),
# the reports (fp8-gemm-, mla-, moe-, model-layers-<gpu>.md), calibration-results.json, and gpu-results.tar.gz
# (everything).
# Each is written beside and renamed, so a kill during packing leaves the previous complete copy.
pack_results() {
  local f
  {
    cat "$WORK/device.txt" 2>/dev/null
    echo "# steps (deadline ${DEADLINE_S} s, $(elapsed_s) s elapsed, quick=$QUICK)"
    awk -F, '{ printf "%-24s %-8s %-9s %-7s %-5s %s\n", $1, $2, $3, $4, $5, $6 }' "$WORK/status.csv"
    awk -F, 'NR > 1 && ($2 == "failed" || $2 == "timeout") { print $1 }' "$WORK/status.csv" | while read -r f; do
      echo "# last lines of $f"; tail -n 20 "$WORK/logs/$f.log"
    done
  } > "$RESULTS/.summary.txt" 2>&1
  mv -f "$RESULTS/.summary.txt" "$RESULTS/summary.txt"
  for f in "$WORK"/reports/*.md "$WORK/calibration-results.json"; do
    [ -f "$f" ] && cp "$f" "$RESULTS/.$(basename "$f")" && mv -f "$RESULTS/.$(basename "$f")" "$RESULTS/$(basename "$f")"
  done
  tar -czf "$RESULTS/.gpu-results.tar.gz" -C "$WORK" . 2>/dev/null && mv -f "$RESULTS/.gpu-results.tar.gz" "$RESULTS/gpu-results.tar.gz"
}

# --- entry points ------------------------------------------------------------------------------------------

# shellcheck disable=SC2034 # QUICK_ARGS is read by the steps in kernels/*/gpu-steps.sh
if [ "${1:-}" = --step ]; then  # a child: run one step's function with the parent's environment
  step_function=${2//-/_}
  QUICK_ARGS=()  # what every driver gets: --quick unless the run is --full
  [ "$QUICK" = 1 ] && QUICK_ARGS=(--quick)
  cd "$REPO" && "$step_function"
  exit $?
fi

QUICK=1
[ "${1:-}" = --full ] && QUICK=0
export QUICK
RESULTS=${OUT:-$PWD/gpu-out}
DEADLINE_S=${GPU_RUN_DEADLINE_S:-540}
START_S=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/trainsim-gpu-XXXXXX")
export WORK
mkdir -p "$RESULTS" "$WORK/logs" "$WORK/reports" "$WORK/built"
echo "step,outcome,exit_code,seconds,cap_s,note" > "$WORK/status.csv"
trap 'record interrupted killed "" 0 0 "the run received a signal"; pack_results; exit 130' INT TERM

echo "# kernels/gpu-run.sh: deadline ${DEADLINE_S} s, quick=$QUICK, results in $RESULTS"
run_step run-env 30
run_step run-configure 90
run_step run-build 300 passed:run-configure
mark_built_families | sed 's/^/    not built: /'

# Correctness first, every family, on small and ragged shapes.
run_step fp8-quantize-check 60 built:fp8
run_step fp8-gemm-check 90 built:fp8
run_step mla-attention-check 90 built:mla
run_step mla-decode-check 60 built:mla
run_step mla-projections-check 60 built:mla
run_step moe-check 60 built:moe
run_step moe-fp8-check 60 built:moe_fp8 passed:fp8-gemm-check
run_step model-check 120 built:model
run_step model-parallel-check 60 built:model_parallel

# Speed, only where the checks passed; then the reports.
fp8_ok=(built:fp8 passed:fp8-quantize-check passed:fp8-gemm-check)
mla_ok=(built:mla passed:mla-attention-check passed:mla-decode-check passed:mla-projections-check)
run_step fp8-sass 30 built:fp8
run_step fp8-bench 120 "${fp8_ok[@]}"
run_step fp8-accuracy 90 "${fp8_ok[@]}"
run_step fp8-torch-peer 90 passed:fp8-bench
run_step mla-bench 180 "${mla_ok[@]}"  # the --full run took 119.9 s of a 120 s cap (2026-12-04)
run_step mla-sdpa-peer 90 "${mla_ok[@]}"
run_step moe-sass 30 built:moe
run_step moe-bench 120 built:moe passed:moe-check
run_step moe-fp8-bench 90 built:moe_fp8 passed:moe-fp8-check
run_step moe-torch-peer 90 passed:moe-bench
run_step fp8-report 30 passed:fp8-bench
run_step mla-report 30 passed:mla-bench
run_step moe-report 30 passed:moe-bench

# The calibration sweep with every family's kernels (only where all of them passed their checks); the reduced
# model's own (its small shapes, BF16: no FP8 kernel in it); the reduced model trained on the GPU through its
# CUDA back-end (only where that back-end passed its layer check); and the model's own at FP8.
if [ -f "$CALIBRATION_PLAN" ]; then
  run_step calibration-sweep 180 built:calibration "${fp8_ok[@]}" "${mla_ok[@]}" passed:moe-check passed:moe-fp8-check
  run_step calibration-results 30 ran:calibration-sweep
else
  record calibration-sweep skipped "" 0 0 "no plan at $CALIBRATION_PLAN"
fi
run_step model-calibration 90 built:calibration "${mla_ok[@]}" passed:moe-check
run_step model-step 120 built:model passed:model-check
# Last, as the least needed: the FP8 run's prices (its FP8 GEMMs and casts at the model's shapes).
run_step model-calibration-fp8 90 built:calibration "${fp8_ok[@]}" "${mla_ok[@]}" passed:moe-check
# Then the experiments the kernels' notes ask of the next lease (timing only): what limits the FP8 K loop, and one
# launch each of the FP8 GEMM, the MLA attention forward, the router and the BF16 grouped GEMM under Nsight Compute
# (why each runs at a fraction of its peer or its prediction: kernels/{fp8,mla,moe}/NOTES.md).
run_step fp8-experiments 90 passed:fp8-bench
run_step fp8-profile 90 passed:fp8-bench
run_step mla-profile 120 "${mla_ok[@]}"
run_step moe-profile 90 built:moe passed:moe-check
pack_results

failed=$(awk -F, 'NR > 1 && ($2 == "failed" || $2 == "timeout")' "$WORK/status.csv" | wc -l)
echo "# done in $(elapsed_s) s: $failed step(s) failed or timed out; $(ls "$RESULTS" | wc -l) file(s) in $RESULTS"
[ "$failed" -eq 0 ]
