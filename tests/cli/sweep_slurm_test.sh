#!/usr/bin/env bash
# `trainsim sweep --slurm` on a real Slurm cluster: starts a private one-machine cluster (slurmctld and slurmd in
# the foreground on their own ports, logging to log/*.out; no systemd; recipe and timings: notes/slurm-local.md, Slurm 22.05), runs the
# line trainsim printed, and compares the merged sweep.csv and sweep.json byte for byte with the same sweep run
# here in one process. Always stops what it started. Fails (never skips) when Slurm is missing: scripts/setup.sh
# installs it.
#   sweep_slurm_test.sh TRAINSIM SCENARIO
set -euo pipefail
trainsim=$1
scenario=$2

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in slurmctld slurmd sbatch squeue scancel sinfo scontrol; do
  command -v "$tool" > /dev/null ||
    fail "$tool not found: Slurm is not installed (scripts/setup.sh installs slurmctld slurmd slurm-client)"
done
# A test run inside a Slurm job must not hand that job's settings to the private cluster's commands.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(\(SLURM\|SBATCH\|SQUEUE\|SINFO\)_[A-Za-z_]*\)=.*/\1/p')

work=$(mktemp -d "${TMPDIR:-/tmp}/trainsim-slurm.XXXXXX")
chmod 0755 "$work"  # munged refuses a socket in a folder others cannot enter
mkdir -p "$work"/{state,spool,log,run}
export SLURM_CONF=$work/slurm.conf
me=$(id -un)
# Ports of this run only, from its PID: a second cluster on the same ports would answer this one's commands.
ctld_port=$((20000 + ($$ % 20000) * 2))
slurmd_port=$((ctld_port + 1))

# auth/none where this Slurm ships it (Debian 12's does), else a private munged on a private socket.
# TRAINSIM_TEST_SLURM_AUTH=munge tries the second where the first exists.
plugin_dirs=(/usr/lib/*/slurm-wlm /usr/lib*/slurm /usr/local/lib/slurm "$(dirname "$(command -v slurmctld)")/../lib/slurm")
auth=${TRAINSIM_TEST_SLURM_AUTH:-}
if [ -z "$auth" ]; then
  auth=munge
  for d in "${plugin_dirs[@]}"; do [ -e "$d/auth_none.so" ] && auth=none; done
fi
if [ $auth = none ]; then
  auth_conf=$'AuthType=auth/none\nCredType=cred/none'
else
  command -v munged > /dev/null && command -v mungekey > /dev/null ||
    fail "Slurm has no auth/none plugin here and munged or mungekey is missing (apt-get install munge)"
  auth_conf=$'AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket='"$work/run/munge.sock"
fi

# CPUs=4 with config_overrides: four slots whatever the machine has, so the four tasks start in one scheduling
# pass (a pass starts about a slot's worth of tasks a second). MinJobAge=5: the notes found that a longer one
# makes Slurm's clients poll slowly. MailProg=/bin/true: Debian's default mail program is not installed.
cat > "$SLURM_CONF" << CONF
ClusterName=trainsim-test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$me
SlurmdUser=$me
$auth_conf
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
MpiDefault=none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
MinJobAge=5
ReturnToService=2
NodeName=node0 NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=node0 Default=YES MaxTime=INFINITE State=UP
CONF

# Every client call under a time limit: without an answering controller, sinfo and squeue wait minutes.
slurm() { timeout 5 "$@"; }

pids=()
ours=false  # whether the controller answering is known to be ours: only then may the clean-up cancel jobs
stop_cluster() {
  local status=$?
  if [ ${#pids[@]} -gt 0 ]; then
    if $ours; then
      # Jobs outlive the daemons (their slurmstepd is reparented): cancel them and wait for the queue to empty.
      slurm scancel --user="$me" 2> /dev/null || true
      for _ in $(seq 50); do [ -z "$(slurm squeue -h 2> /dev/null)" ] && break; sleep 0.1; done
    fi
    kill -TERM "${pids[@]}" 2> /dev/null || true
    for p in "${pids[@]}"; do for _ in $(seq 100); do kill -0 "$p" 2> /dev/null || break; sleep 0.05; done; done
    kill -KILL "${pids[@]}" 2> /dev/null || true
  fi
  if [ $status -eq 0 ]; then
    rm -rf "$work"
  else
    for f in "$work"/log/*; do echo "--- $f (last lines)"; tail -n 5 "$f"; done >&2
    echo "kept for inspection: $work" >&2
  fi
}
trap stop_cluster EXIT
trap 'exit 143' TERM INT  # the clean-up runs on ctest's time-out too

if [ $auth = munge ]; then
  mungekey --create --keyfile="$work/run/munge.key"
  munged -F --key-file="$work/run/munge.key" --socket="$work/run/munge.sock" --pid-file="$work/run/munged.pid" \
    --log-file="$work/log/munged.log" --seed-file="$work/run/munge.seed" > "$work/log/munged.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$work/run/munge.sock" ] && break; sleep 0.05; done
  [ -S "$work/run/munge.sock" ] || fail "munged did not start: $(tail -n 1 "$work/log/munged.out")"
fi
# Each daemon its own statement, so that $! is the daemon and not a subshell.
slurmctld -D > "$work/log/slurmctld.out" 2>&1 < /dev/null &
pids+=($!)
slurmd -D -N node0 > "$work/log/slurmd.out" 2>&1 < /dev/null &
pids+=($!)
state=
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ]; do
  state=$(slurm sinfo -h -n node0 -o %t 2> /dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.1
done
[ "$state" = idle ] || fail "the private Slurm node never became idle (state '$state', auth/$auth)"
for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null || fail "daemon $p died (a port taken? $ctld_port, $slurmd_port)"; done
slurm scontrol show config | grep -q "^StateSaveLocation *= $work/state\$" ||
  fail "the Slurm controller answering on port $ctld_port is not this test's"
ours=true

# Four points at analytic fidelity (a closed form: well under a second each).
sweep=(sweep "$scenario" --set parallelism.pp=8,16 --set cluster.gpu=h800,h100 --fidelity analytic)
"$trainsim" "${sweep[@]}" --out "$work/local" > /dev/null 2> "$work/log/local.err" ||
  fail "the local sweep failed: $(cat "$work/log/local.err")"
# Blanks, quotes, '%' and '#' in the folder: what the scripts must quote for the shell and escape for #SBATCH.
out="$work/on slurm 50%'s \"#1\""
"$trainsim" "${sweep[@]}" --slurm 4 --out "$out" > "$work/submit.sh" 2> "$work/log/slurm.err" ||
  fail "trainsim sweep --slurm failed: $(cat "$work/log/slurm.err")"
[ "$(wc -l < "$work/submit.sh")" -eq 1 ] || fail "not one submit line: $(cat "$work/submit.sh")"

# The line trainsim printed, as a user runs it: the array, then the merge held until every task succeeded. The
# line returns at once (the merge waits on the cluster, not in the shell), so the wait for the queue to empty
# stands in for `sbatch --wait`; both under a time limit, as a job that cannot run would wait for ever.
(cd "$work" && timeout 30 bash "$work/submit.sh") > "$work/log/submit.out" 2>&1 ||
  fail "submitting failed: $(cat "$work/log/submit.out")"
deadline=$((SECONDS + 60))
while queue=$(slurm squeue -h) && [ -n "$queue" ]; do
  [ $SECONDS -lt $deadline ] || fail "the jobs did not finish within 60 s: $queue"
  sleep 0.2
done

for i in 0 1 2 3; do
  [ -s "$out/logs/shard-$i.out" ] || fail "no output of array task $i ($out/logs/shard-$i.out)"
  [ -s "$out/shards/$i/sweep.json" ] || fail "array task $i wrote no shard ($out/shards/$i/sweep.json)"
done
[ -e "$out/logs/merge.out" ] || fail "the merge job did not run (no $out/logs/merge.out)"
for f in sweep.csv sweep.json; do
  [ -e "$out/$f" ] || fail "the merge wrote no $f: $(cat "$out/logs/merge.out")"
  cmp "$work/local/$f" "$out/$f" || fail "$f merged from the Slurm tasks differs from the local sweep's"
done
echo "PASS: 4 array tasks on a private Slurm cluster (auth/$auth) merged to the local sweep's bytes"
