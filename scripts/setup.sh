#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for trainsim and builds it: installs the Debian packages the build needs
# (apt-get update first; nothing is installed when everything is there), configures and builds.
#   scripts/setup.sh          install, configure, build            (build/)
#   scripts/setup.sh --test   the same, then the tests; then an ASan+UBSan build and its tests (build-sanitize/);
#                             also the packages only tests need (chromium, Slurm)
# CUDA is used when nvcc is found (kernels/ only); GPU tests carry the ctest label `gpu` and are skipped here.
set -euo pipefail
cd "$(dirname "$0")/.."

# install_missing [apt-get options] -- <packages...>: installs those of the packages that are not installed yet.
install_missing() {
  local options=()
  while [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${options[@]}" "${missing[@]}" > /dev/null
}

# libjemalloc-dev: the allocator the `trainsim` executable links (CMakeLists.txt says why).
# fortunes: plain English text (/usr/share/games/fortunes), the byte-level corpus the reduced DeepSeek-V3 trains on
# (kernels/model/token_stream.h).
install_missing -- cmake ninja-build g++ pkg-config libsimgrid-dev libboost-graph-dev libeigen3-dev libyaml-cpp-dev \
  libfmt-dev libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev libpng-dev libjemalloc-dev fortunes
# What only the tests need, with --test, without recommends (a desktop's extras, mail tools, extra plugins):
# Debian's chromium, which the report page's browser test (tests/cli/run_report_browser_test.cc) opens the page
# in; Slurm's controller, node daemon and commands, for the test that runs a sweep as a job array on a private
# one-machine cluster (tests/cli/sweep_slurm_test.sh: it starts its own daemons; none is configured here).
if [ "${1:-}" = "--test" ]; then
  install_missing --no-install-recommends -- chromium slurmctld slurmd slurm-client
fi

jobs=$(nproc)
build() {  # build <dir> <cmake args...>: configure and compile quietly; the logs stay beside the folder
  local dir=$1; shift
  # Unity builds, 16 files per compiler run: the headers are parsed, and their inline functions compiled, once per
  # batch instead of once per file. With -g1 and the tests' own code at -Og (CMakeLists.txt, tests/CMakeLists.txt),
  # a fresh sanitizer build on two cores took 338 s where the file-by-file one had taken about 1,760 s, and the
  # normal build 271 s (scripts/setup.sh --test then fits CI's 30 minutes: it had taken 66).
  # NOTE: a unity batch shares one translation unit, so two files of a target may not define the same name in
  # their anonymous namespaces: fold such twins into a shared header (the usual fix) or name each for its file.
  if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAINSIM_WERROR=ON \
      -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 "$@" > "$dir.configure.log" 2>&1; then
    tail -40 "$dir.configure.log"; echo "setup: configuring $dir failed (log: $dir.configure.log)"; exit 1
  fi
  if ! cmake --build "$dir" -j "$jobs" > "$dir.build.log" 2>&1; then
    grep -E -A12 'error|FAILED' "$dir.build.log" | head -80; echo "setup: building $dir failed (log: $dir.build.log)"; exit 1
  fi
}
mkdir -p build && build build
echo "setup: built build/cli/trainsim"

if [ "${1:-}" = "--test" ]; then
  ctest --test-dir build -LE gpu --output-on-failure -j "$jobs"
  # The sanitizer pass covers the host code; nvcc does not build under ASan, and kernels' CPU references are
  # host code that builds either way.
  # -O1 with line tables: what the sanitizers recommend, and quicker to build than -O2 -g. Tests labelled
  # `long` (whole simulated steps at gpu fidelity, whole stage-fidelity runs of every shipped scenario: minutes
  # under ASan) or `external` (driving Chromium or a Slurm cluster) run in the normal pass only; the code they
  # reach runs under the sanitizers in smaller tests.
  mkdir -p build-sanitize && build build-sanitize -DTRAINSIM_SANITIZE=ON -DTRAINSIM_CUDA=OFF \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-sanitize -LE '^(gpu|long|external)$' --output-on-failure -j "$jobs"
fi
