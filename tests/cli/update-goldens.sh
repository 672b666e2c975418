#!/usr/bin/env bash
# Regenerates the golden reports of every shipped scenario (tests/cli/golden/), for review with git diff.
# Usage: tests/cli/update-goldens.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
mkdir -p tests/cli/golden
for scenario in scenarios/*.yaml; do
  name=$(basename "$scenario" .yaml)
  "$build/cli/trainsim" run "$scenario" > "tests/cli/golden/$name.txt"
  "$build/cli/trainsim" run "$scenario" --json > "tests/cli/golden/$name.json"
  echo "updated tests/cli/golden/$name.{txt,json}"
done
# The closed form, kept for the default scenario.
"$build/cli/trainsim" run --fidelity analytic > tests/cli/golden/deepseek-v3-2048xh800.analytic.txt
"$build/cli/trainsim" run --fidelity analytic --json > tests/cli/golden/deepseek-v3-2048xh800.analytic.json
echo "updated tests/cli/golden/deepseek-v3-2048xh800.analytic.{txt,json}"
