# kernels/mla: MLA checks, benchmarks, the PyTorch SDPA peer and the report. Sourced by kernels/gpu-run.sh with
# $BUILD (already built) and $OUT set; writes $OUT/mla/* (logs, CSV) and $OUT/mla-<gpu>.md, which is what
# reports/published/mla-<gpu>.md is copied from (by hand, after review). Returns non-zero if any check or run failed.
mla_out="$OUT/mla"
mla_bin="$BUILD/kernels/mla"
mkdir -p "$mla_out"
mla_status=0
for mla_c in attention decode projections; do
  "$mla_bin/mla_${mla_c}_check" > "$mla_out/check-$mla_c.txt" 2>&1 || mla_status=1
  echo "mla $mla_c check: $(tail -1 "$mla_out/check-$mla_c.txt")"
done
"$mla_bin/mla_attention_bench" "$mla_out/bench-attention.csv" 5 > "$mla_out/bench-attention.txt" 2>&1 || mla_status=1
"$mla_bin/mla_projections_bench" "$mla_out/bench-projections.csv" 20 > "$mla_out/bench-projections.txt" 2>&1 || mla_status=1
"$mla_bin/mla_decode_bench" "$mla_out/bench-decode.csv" 20 > "$mla_out/bench-decode.txt" 2>&1 || mla_status=1
python3 kernels/mla/mla_sdpa_peer.py --csv "$mla_out/peer-sdpa.csv" > "$mla_out/peer-sdpa.txt" 2>&1 || mla_status=1
mla_gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | grep -oiE 'h100|h200|h800|h20|a100|b200' | head -1 | tr '[:upper:]' '[:lower:]' || true)
python3 kernels/mla/mla_report.py --dir "$mla_out" --device "$OUT/device.txt" > "$OUT/mla-${mla_gpu:-gpu}.md" || mla_status=1
cat "$mla_out"/bench-*.txt "$mla_out/peer-sdpa.txt" 2>/dev/null | grep -v '^#' | tail -30
[ "$mla_status" -eq 0 ]
