#!/usr/bin/env bash
# Regenerates the golden reports of every shipped scenario (tests/cli/golden/) and prints, for review, what
# changed against the committed files: `git diff --stat`, then the diff itself. The goldens are the binary's
# own output and guard format and determinism only (tests/cli/golden/README.md): a figure that moves must be
# explained in the commit, not just regenerated.
# Usage: tests/cli/update-goldens.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
golden=tests/cli/golden
mkdir -p "$golden"
for scenario in scenarios/*.yaml; do
  name=$(basename "$scenario" .yaml)
  "$build/cli/trainsim" run "$scenario" > "$golden/$name.txt"
  "$build/cli/trainsim" run "$scenario" --json > "$golden/$name.json"
  echo "regenerated $golden/$name.{txt,json}"
done
# The closed form, kept for the default scenario.
"$build/cli/trainsim" run --fidelity analytic > "$golden/deepseek-v3-2048xh800.analytic.txt"
"$build/cli/trainsim" run --fidelity analytic --json > "$golden/deepseek-v3-2048xh800.analytic.json"
echo "regenerated $golden/deepseek-v3-2048xh800.analytic.{txt,json}"

echo
echo "== changes against the committed goldens (review before committing) =="
if git diff --quiet -- "$golden" && [ -z "$(git ls-files --others --exclude-standard -- "$golden")" ]; then
  echo "none: the regenerated goldens are byte-identical to the committed ones"
  exit 0
fi
git --no-pager diff --stat -- "$golden"
git ls-files --others --exclude-standard -- "$golden" | sed 's/^/new file: /'
echo
git --no-pager diff -- "$golden"
