#!/usr/bin/env bash
# calibration_run_cpu (kernels/calibration/calibration_run_cpu.cc) on a hand-written plan of one call per kind it
# runs: every call at the plan's largest SM count timed once with a positive median on all the host's threads (the
# CSV's sms), the call at fewer SMs skipped,
# a dtype no host GEMM computes refused by name; the CSV in the format calibration_io.py reads, whose results file
# then names the host (cuda none, its threads, a clock above zero). With the reduced model's config, memory-bound
# calls run the model's own loops. A malformed line fails naming its line.
# Usage: calibration_run_cpu_test.sh CALIBRATION_RUN_CPU REPO
set -euo pipefail
driver=$1
repo=$(cd "$2" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$scratch/calls.txt" <<'CALLS'
# a plan of 7 calls, as calibration_io.py flattens one
bf16_gemm.000 bf16_gemm gemm bf16 F 8 m=64 n=32 k=128
fp8_gemm.000 fp8_gemm grouped_gemm fp8 F 8 groups=3 m=16 n=32 k=128
attention_forward.000 attention_forward attention bf16 F 8 batch=2 heads=2 seq_q=16 seq_kv=16 head_dim=24 value_dim=16
attention_backward.000 attention_backward attention bf16 Bi 8 batch=2 heads=2 seq_q=16 seq_kv=16 head_dim=24 value_dim=16
memory_bound.000 memory_bound norm bf16 F 8 bytes=65536
memory_bound.001 memory_bound norm bf16 F 6 bytes=65536
bf16_gemm.001 bf16_gemm gemm fp32 F 8 m=64 n=32 k=128
CALLS
"$driver" --quick "$scratch/calls.txt" "$scratch/times.csv" > "$scratch/stdout"
grep -q "5 calls timed on .* 1 at fewer SMs than the plan's 8 skipped .* 1 refused" "$scratch/stdout" ||
  fail "summary line: $(tail -1 "$scratch/stdout")"
grep -q "^bf16_gemm.001 .*refused: no host GEMM computes in fp32" "$scratch/stdout" || fail "fp32 GEMM not refused by name"

head -1 "$scratch/times.csv" | grep -Eq '^# device: name=[^;]+; sm_count=[1-9][0-9]*; cuda=none$' ||
  fail "device line: $(head -1 "$scratch/times.csv")"
[ "$(sed -n 2p "$scratch/times.csv")" = "id,seconds,sms,kernel,kernel_calls" ] || fail "header: $(sed -n 2p "$scratch/times.csv")"
timed=$(tail -n +3 "$scratch/times.csv" | cut -d, -f1 | tr '\n' ' ')
[ "$timed" = "bf16_gemm.000 fp8_gemm.000 attention_forward.000 attention_backward.000 memory_bound.000 " ] ||
  fail "timed calls: $timed"
threads=$(head -1 "$scratch/times.csv" | sed 's/.*sm_count=\([0-9]*\);.*/\1/')
tail -n +3 "$scratch/times.csv" | awk -F, -v threads="$threads" '!($2 > 0 && $3 == threads) { print "FAIL: row " NR ": " $0; bad = 1 } END { exit bad }'
# The host's grouped GEMM loops over its groups too, but its calibration prices each op by its own point
# (hardware/measured_points.h sums an op's groups' points), so its row says one call (kernel_calls 1).
grep -q "^fp8_gemm.000,.*,groups x model::linear_forward fp8,1$" "$scratch/times.csv" || fail "grouped FP8 GEMM's kernel"

python3 "$repo/kernels/calibration/calibration_io.py" results "$scratch/times.csv" -o "$scratch/results.json" > /dev/null
python3 - "$scratch/results.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
d = doc["device"]
assert d["cuda"] == "none" and d["sm_count"] >= 1 and d["boost_clock_hz"] > 0 and d["driver"].startswith("Linux "), d
assert [c["id"] for c in doc["calls"]][0] == "bf16_gemm.000" and len(doc["calls"]) == 5, doc["calls"]
PY

# With the model's config the memory-bound calls run the model's loops (host_memory_ops.h): the norm call's catalog
# ops name it; a call naming no op is still copied; a permute call of both directions counts the mean of two loops.
cat > "$scratch/memory.txt" <<'CALLS'
memory_bound.000 memory_bound norm bf16 F 8 bytes=65536 ops=attn.norm,mlp.norm
memory_bound.001 memory_bound norm bf16 F 8 bytes=65536
memory_bound.002 memory_bound permute bf16 F 8 bytes=262144 ops=moe.permute,moe.permute.bwd
CALLS
"$driver" --quick "$scratch/memory.txt" "$scratch/memory.csv" "$repo/kernels/model/configs/reduced-deepseek-v3-small.json" \
  > "$scratch/stdout"
grep -q "^memory_bound.000,.*,rmsnorm_ref fp64,1$" "$scratch/memory.csv" || fail "norm loop: $(cat "$scratch/memory.csv")"
grep -q "^memory_bound.001,.*,memcpy,1$" "$scratch/memory.csv" || fail "a call naming no op is not copied"
grep -q "^memory_bound.002,.*,mean of gather_expert_rows fp64 + scatter_add_expert_rows fp64,1$" "$scratch/memory.csv" ||
  fail "permute loops: $(cat "$scratch/memory.csv")"

echo "bf16_gemm.002 bf16_gemm gemm bf16 F eight m=1 n=1 k=1" > "$scratch/bad.txt"
if "$driver" "$scratch/bad.txt" "$scratch/bad.csv" 2> "$scratch/stderr"; then fail "a malformed line was accepted"; fi
grep -q "line 1" "$scratch/stderr" || fail "the error does not name the line: $(cat "$scratch/stderr")"
echo "PASS"
