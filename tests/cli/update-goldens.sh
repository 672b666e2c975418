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
