#!/usr/bin/env bash
# The dry run of kernels/gpu-run.sh on a CPU: the device steps replaced by stand-ins (gpu_run_stand_ins/:
# nvidia-smi, nvcc, cmake, cuobjdump, python3 and every driver), so that the script's deadline, timeouts,
# gating and packing are tested here and not in a GPU call's 15 minutes. Usage: gpu_run_dry_run_test.sh REPO
set -uo pipefail
repo=$(cd "${1:?usage: gpu_run_dry_run_test.sh REPO}" && pwd)
stand_ins=$repo/tests/kernels/gpu_run_stand_ins
scratch=$(mktemp -d)
hang_s=29.25  # the stand-in's hang: a length no other process here sleeps, so the test can clean up after itself
trap 'pkill -f "sleep $hang_s" 2> /dev/null; rm -rf "$scratch"' EXIT
failures=0

fail() {
  echo "FAIL [$case_name]: $*"
  failures=$((failures + 1))
}

# run_case NAME [VAR=VALUE ...]: runs the script with the stand-ins and the given environment in the
# background; sets $out and $runner (the script's own process: exec all the way down).
start_case() {
  case_name=$1
  shift
  out=$scratch/$case_name/out
  mkdir -p "$scratch/$case_name"
  (cd "$repo" && exec env PATH="$stand_ins:$PATH" PYTHON="$stand_ins/python3" BUILD="$scratch/$case_name/build" \
    OUT="$out" FAKE_HANG_S=$hang_s TMPDIR="$scratch/$case_name" "$@" bash kernels/gpu-run.sh) \
    > "$scratch/$case_name/stdout" 2>&1 &
  runner=$!
}

# run_case NAME [VAR=VALUE ...]: the same, waited for; sets $rc and $wall_s.
run_case() {
  local t0=$SECONDS
  start_case "$@"
  wait "$runner"
  rc=$?
  wall_s=$((SECONDS - t0))
}

# outcome STEP: the step's outcome and note in summary.txt's table ("ok", "skipped gated: ...", ...).
outcome() { awk -v s="$1" '$1 == s { $1 = ""; sub(/^ +/, ""); print }' "$out/summary.txt"; }

expect_outcome() {  # STEP PATTERN (an extended regular expression the outcome must match)
  local got
  got=$(outcome "$1")
  [[ $got =~ $2 ]] || fail "$1: expected /$2/, got '$got'"
}

expect_files() {  # the results a device call returns: at most 8 files, summary.txt and the archive among them
  local count
  count=$(find "$out" -maxdepth 1 -type f ! -name '.*' | wc -l)
  [ "$count" -le 8 ] || fail "$count files in \$OUT; a device call returns at most 8"
  [ -s "$out/summary.txt" ] || fail "no summary.txt"
  tar -tzf "$out/gpu-results.tar.gz" > /dev/null 2>&1 || fail "no readable gpu-results.tar.gz"
}

# 1. Everything passes: every step ran, the three reports and the archive came back, exit 0.
run_case all-pass
[ "$rc" -eq 0 ] || fail "exit $rc, expected 0"
expect_files
for step in run-env run-build fp8-gemm-check mla-attention-check moe-check moe-fp8-check model-check fp8-bench mla-bench \
  moe-bench moe-fp8-bench fp8-torch-peer mla-sdpa-peer moe-torch-peer fp8-report mla-report moe-report; do
  expect_outcome "$step" '^ok'
done
expect_outcome calibration-sweep '^ok'
expect_outcome calibration-results '^ok'
expect_outcome model-parallel-check '^ok'
expect_outcome model-step '^ok'
expect_outcome model-calibration '^ok'
expect_outcome model-calibration-fp8 '^ok'
for report in fp8-gemm-h100.md mla-h100.md moe-h100.md model-layers-h100.md calibration-results.json; do
  [ -s "$out/$report" ] || fail "no $report"
done
tar -xzf "$out/gpu-results.tar.gz" -C "$scratch/all-pass" ./logs/fp8-gemm-check.log ./status.csv 2> /dev/null ||
  fail "the archive lacks the step logs"
grep -q -- '--quick' "$scratch/all-pass/logs/fp8-gemm-check.log" || fail "the drivers did not get --quick"
# The model's device-timed steps and its own calibration sweep, in the archive.
for timings in train-bf16-h100.json train-fp8-h100.json calibration-results-h100.json \
  calibration-results-fp8-h100.json; do
  tar -tzf "$out/gpu-results.tar.gz" "./model/$timings" > /dev/null 2>&1 || fail "the archive lacks model/$timings"
done

# 1b. The model's CUDA back-end fails its layer check: the model is not trained on it, the rest runs.
run_case model-check-fails FAKE_FAIL=model_cuda_check
expect_files
expect_outcome model-check '^failed'
expect_outcome model-step '^skipped.*gated: model-check did not pass'
expect_outcome fp8-bench '^ok'

# 2. A check that fails: its family is not timed, a family built on it neither, the others are.
run_case gemm-check-fails FAKE_FAIL=sm90_fp8_gemm_check
[ "$rc" -ne 0 ] || fail "exit 0 although a check failed"
expect_files
expect_outcome fp8-gemm-check '^failed'
expect_outcome fp8-bench '^skipped.*gated: fp8-gemm-check did not pass'
expect_outcome moe-fp8-check '^skipped.*gated: fp8-gemm-check did not pass'
expect_outcome fp8-torch-peer '^skipped.*gated: fp8-bench did not pass'
expect_outcome mla-bench '^ok'
expect_outcome moe-bench '^ok'
expect_outcome calibration-sweep '^skipped.*gated: fp8-gemm-check did not pass'
expect_outcome calibration-results '^skipped.*gated: calibration-sweep did not run'
expect_outcome model-calibration-fp8 '^skipped.*gated: fp8-gemm-check did not pass'
expect_outcome model-calibration '^ok'
grep -q "FAIL: stand-in sm90_fp8_gemm_check" "$out/summary.txt" || fail "summary.txt lacks the failed step's log tail"

# 3. A family that does not compile: only its own steps are skipped.
run_case mla-build-fails FAKE_BUILD_FAIL=gpu_mla
expect_files
expect_outcome run-build '^failed'
expect_outcome mla-attention-check '^skipped.*gated: mla not built'
expect_outcome mla-bench '^skipped'
expect_outcome fp8-bench '^ok'
expect_outcome moe-report '^ok'

# 4. A check that hangs (a WGMMA barrier mistake): killed at its cap, its family not timed, the run goes on.
run_case attention-check-hangs FAKE_HANG=mla_attention_check GPU_RUN_CAP_SCALE=0.03
expect_files
expect_outcome mla-attention-check '^timeout.*killed at its cap of 3 s'
expect_outcome mla-bench '^skipped.*gated: mla-attention-check did not pass'
expect_outcome moe-bench '^ok'
[ "$wall_s" -lt 15 ] || fail "took $wall_s s with one 3 s cap"

# 5. The deadline: with 4 s and hanging checks, no step starts after it and the run ends near it.
run_case deadline GPU_RUN_DEADLINE_S=4 FAKE_HANG="sm90_fp8_quantize_check mla_attention_check"
expect_files
expect_outcome fp8-quantize-check '^timeout.*cap cut to the deadline'
expect_outcome moe-check '^skipped.*deadline passed'
[ "$wall_s" -le 12 ] || fail "took $wall_s s with a 4 s deadline (5 s of kill-after at most beyond it)"

# 6. The calibration sweep out of time: the calls it timed are still written as results.
run_case calibration-hangs FAKE_HANG=calibration_run GPU_RUN_CAP_SCALE=0.01
expect_files
expect_outcome calibration-sweep '^timeout'
expect_outcome calibration-results '^ok'

# 7. Killed from outside mid-run (the device call's limit): what ended before is already in $OUT.
start_case killed FAKE_HANG=mla_attention_check
for _ in $(seq 100); do grep -q fp8-gemm-check "$out/summary.txt" 2> /dev/null && break; sleep 0.1; done
sleep 1  # inside the hanging check now
kill -9 "$runner"  # SIGKILL: the script has no trap to run
wait "$runner" 2> /dev/null
expect_files
expect_outcome fp8-gemm-check '^ok'
expect_outcome run-build '^ok'
grep -q mla-attention-check "$out/summary.txt" && fail "a step that never ended is in the summary as ended"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s); the runs' output is in $scratch (kept)"
  trap 'pkill -f "sleep $hang_s" 2> /dev/null' EXIT
  exit 1
fi
echo "PASS: 7 dry runs of kernels/gpu-run.sh"
