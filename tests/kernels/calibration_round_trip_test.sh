#!/usr/bin/env bash
# The calibration sweep's formats end to end, on a CPU: the committed plan is what `trainsim calibrate --device`
# writes for the default scenario today; calibration_io.py flattens it into lines the C++ reader parses
# (tests/kernels/calibration/calibration_call_test.cc reads the same lines); times in calibration_run's CSV
# (stand-ins: a roofline at 60% of the H800's FP8 peak and 80% of its HBM bandwidth) become a results file that
# `trainsim calibrate --from-kernels` accepts. Usage: calibration_round_trip_test.sh TRAINSIM REPO
set -euo pipefail
trainsim=$1
repo=$(cd "$2" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$repo"

# 1. The committed plan is current (regenerate it with the command in kernels/CALIBRATION.md if this fails).
"$trainsim" calibrate --device --scenario scenarios/deepseek-v3-2048xh800.yaml --plan "$scratch/plan.json" > /dev/null
cmp "$scratch/plan.json" kernels/calibration/deepseek-v3-2048xh800.plan.json ||
  { echo "FAIL: kernels/calibration/deepseek-v3-2048xh800.plan.json is stale"; exit 1; }
"$trainsim" calibrate --device --scenario scenarios/validation/llama-3.1-405b-16384xh100.yaml \
  --plan "$scratch/llama.plan.json" > /dev/null
cmp "$scratch/llama.plan.json" kernels/calibration/llama-3.1-405b-16384xh100.plan.json ||
  { echo "FAIL: kernels/calibration/llama-3.1-405b-16384xh100.plan.json is stale"; exit 1; }
# And the Megatron-Bridge MoE checks' (docs/validation.md), whose GEMMs and attention fall outside the H800 trace.
for check in megatron-bridge-gpt-oss-120b-64xh100 megatron-bridge-qwen3-235b-a22b-256xh100; do
  "$trainsim" calibrate --device --scenario "scenarios/validation/$check.yaml" \
    --plan "$scratch/$check.plan.json" > /dev/null
  cmp "$scratch/$check.plan.json" "kernels/calibration/$check.plan.json" ||
    { echo "FAIL: kernels/calibration/$check.plan.json is stale"; exit 1; }
done
# And the reduced model's on one H100, which gpu-run.sh's model-calibration step times (kernels/model/gpu-steps.sh).
"$trainsim" calibrate --device --scenario scenarios/validation/reduced-deepseek-v3-h100.yaml \
  --plan "$scratch/reduced.plan.json" > /dev/null
cmp "$scratch/reduced.plan.json" kernels/model/reduced-deepseek-v3-h100.plan.json ||
  { echo "FAIL: kernels/model/reduced-deepseek-v3-h100.plan.json is stale"; exit 1; }
# Its FP8 twin, which gpu-run.sh's model-calibration-fp8 step times.
"$trainsim" calibrate --device --scenario scenarios/validation/reduced-deepseek-v3-h100.yaml \
  --set training.precision=fp8 --plan "$scratch/reduced-fp8.plan.json" > /dev/null
cmp "$scratch/reduced-fp8.plan.json" kernels/model/reduced-deepseek-v3-h100-fp8.plan.json ||
  { echo "FAIL: kernels/model/reduced-deepseek-v3-h100-fp8.plan.json is stale"; exit 1; }

# 2. Flattened: one line per call, the header first.
python3 kernels/calibration/calibration_io.py flatten "$scratch/plan.json" > "$scratch/calls.txt"
calls=$(grep -vc '^#' "$scratch/calls.txt")
[ "$calls" -eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["calls"]))' "$scratch/plan.json")" ] ||
  { echo "FAIL: $calls lines for the plan's calls"; exit 1; }
# Each names the catalog ops it stands for, a sweep point its base call's (the host driver picks its loops by them).
without_ops=$(grep -v '^#' "$scratch/calls.txt" | grep -vc ' ops=' || true)
[ "$without_ops" -eq 0 ] || { echo "FAIL: $without_ops lines name no catalog op"; exit 1; }

# 3. Stand-in times for the calls at the full 132 SMs, as calibration_run writes them.
{
  echo "# device: name=NVIDIA H800; sm_count=132; cuda=13000"
  echo "id,seconds,sms,kernel"
  awk '!/^#/ && $6 == 132 {
         delete s; for (i = 7; i <= NF; ++i) { split($i, kv, "="); s[kv[1]] = kv[2] }
         g = ("groups" in s) ? s["groups"] : 1
         flops = ("m" in s) ? 2 * g * s["m"] * s["n"] * s["k"] : 0
         if ("heads" in s) flops = 2 * s["batch"] * s["heads"] * s["seq_q"] * s["seq_kv"] * (s["head_dim"] + s["value_dim"]) / 2
         bytes = ("bytes" in s) ? s["bytes"] : 0
         t = flops / (0.6 * 1979e12); if (bytes / (0.8 * 3.35e12) > t) t = bytes / (0.8 * 3.35e12)
         printf "%s,%.9g,132,stand-in\n", $1, t + 5e-6 }' "$scratch/calls.txt"
} > "$scratch/times.csv"
# A peer's rows, as attention_peer.py writes them (no device line): the first attention call twice as fast as its
# stand-in, the second twice as slow. Each call keeps its fastest row and names its kernel; a kernel's name with a
# comma is quoted, as calibration_run's CSV quotes it.
first=$(awk -F, '$1 ~ /^attention_forward/ { print $1 "," $2; exit }' "$scratch/times.csv")
second=$(awk -F, '$1 ~ /^attention_backward/ { print $1 "," $2; exit }' "$scratch/times.csv")
{
  echo "id,seconds,sms,kernel"
  echo "${first%,*},$(python3 -c "print(${first#*,} / 2)"),132,\"torch SDPA cudnn, faster\""
  echo "${second%,*},$(python3 -c "print(${second#*,} * 2)"),132,torch SDPA cudnn"
} > "$scratch/peer.csv"
mkdir "$scratch/bin" && ln -s "$repo/tests/kernels/gpu_run_stand_ins/nvidia-smi" "$scratch/bin/"  # the clock, the driver
PATH="$scratch/bin:$PATH" python3 kernels/calibration/calibration_io.py results "$scratch/times.csv" "$scratch/peer.csv" \
  -o "$scratch/results.json" > /dev/null
python3 - "$scratch/results.json" "${first%,*}" "${second%,*}" <<'PY' || exit 1
import json, sys
calls = {c["id"]: c for c in json.load(open(sys.argv[1]))["calls"]}
if calls[sys.argv[2]]["kernel"] != "torch SDPA cudnn, faster":
    sys.exit(f"FAIL: the faster peer row was not kept: {calls[sys.argv[2]]}")
if calls[sys.argv[3]]["kernel"] != "stand-in":
    sys.exit(f"FAIL: the slower peer row replaced the driver's: {calls[sys.argv[3]]}")
# A CSV without the kernel_calls column (the runs before it) gives one kernel call a call.
if any(c["kernel_calls"] != 1 for c in calls.values()):
    sys.exit("FAIL: a call of a CSV without kernel_calls made more than one")
PY
# With the column, a call's kernel_calls is kept.
{ head -2 "$scratch/times.csv" | sed '2s/$/,kernel_calls/'; tail -n +3 "$scratch/times.csv" | sed 's/$/,1/;1s/,1$/,3/'; } \
  > "$scratch/times-calls.csv"
PATH="$scratch/bin:$PATH" python3 kernels/calibration/calibration_io.py results "$scratch/times-calls.csv" \
  -o "$scratch/results-calls.json" > /dev/null
python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["calls"]
sys.exit(0 if [x["kernel_calls"] for x in c[:2]] == [3, 1] else f"FAIL: kernel_calls {c[:2]}")' \
  "$scratch/results-calls.json" || exit 1

# 4. Read back as a calibration file.
"$trainsim" calibrate --from-kernels "$scratch/results.json" --scenario scenarios/deepseek-v3-2048xh800.yaml \
  -o "$scratch/h800-kernels.yaml" > "$scratch/from-kernels.txt"
grep -q "kind: kernels" "$scratch/h800-kernels.yaml" || { echo "FAIL: no kernels calibration written"; exit 1; }
grep -q "note: \"${first%,*} (torch SDPA cudnn, faster): " "$scratch/h800-kernels.yaml" ||
  { echo "FAIL: the peer's point does not name its kernel"; exit 1; }
timed=$(grep -c ',132,stand-in$' "$scratch/times.csv")
points=$(grep -c 'seconds\|time:' "$scratch/h800-kernels.yaml" || true)
# 5. The reduced model's FP8 plan the same way, read back as docs/validation.md reads it for the FP8 comparison.
python3 kernels/calibration/calibration_io.py flatten kernels/model/reduced-deepseek-v3-h100-fp8.plan.json |
  awk '!/^#/ && $6 == 132 { printf "%s,%.9g,132,stand-in\n", $1, 1e-5 }' |
  { echo "# device: name=NVIDIA H100 80GB HBM3; sm_count=132; cuda=13000"; echo "id,seconds,sms,kernel"; cat; } \
  > "$scratch/fp8-times.csv"
PATH="$scratch/bin:$PATH" python3 kernels/calibration/calibration_io.py results "$scratch/fp8-times.csv" \
  -o "$scratch/fp8-results.json" > /dev/null
"$trainsim" calibrate --from-kernels "$scratch/fp8-results.json" \
  --scenario scenarios/validation/reduced-deepseek-v3-h100.yaml --set training.precision=fp8 \
  -o "$scratch/h100-reduced-fp8.yaml" > /dev/null || { echo "FAIL: the FP8 plan's times were not read back"; exit 1; }
"$trainsim" ops scenarios/validation/reduced-deepseek-v3-h100.yaml --set training.precision=fp8 \
  --set cluster.calibration="$scratch/h100-reduced-fp8.yaml" > "$scratch/fp8-ops.txt"
grep -q 'quant_x .*memory-bound model' "$scratch/fp8-ops.txt" ||
  { echo "FAIL: the FP8 casts are not priced by the FP8 plan's calibration"; exit 1; }

echo "PASS: $calls calls flattened, $timed timed, read back as a calibration file ($points point lines)"
