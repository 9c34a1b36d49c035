#!/usr/bin/env bash
# Runs the Slurm job array of this folder on a REAL single-node Slurm and checks that the merged
# output is byte for byte that of one unsharded `hazlab grade` of the same batch.
#
#   bash Tools/deploy/slurm/test-slurm.sh [HAZLAB]      (HAZLAB default: .build/release/hazlab)
#
# It starts its own munged, slurmctld and slurmd in a private temporary folder (own slurm.conf
# via SLURM_CONF, own munge socket and key, own ports), so it neither needs nor touches a Slurm
# already on the machine, and stops them again on every exit. Needs root (slurmd starts jobs as
# the submitting user) and Debian's slurm-wlm and munge. Without them it skips (exit 0) with a
# message, unless HAZLAB_SLURM_REQUIRED=1 (CI), where that is a failure. HAZLAB_SLURM_KEEP=1
# keeps the temporary folder (logs, batch, outputs). Env: SHARDS (default 3), COPIES (copies of
# each bundled run, default 20) and GAS_COPIES (of the gas scenario's, which replays slowest,
# default 6): 11 × 20 + 4 × 6 = 244 journals, + 3 bad ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
hazlab_arg=${1:-$root/.build/release/hazlab}
shards=${SHARDS:-3}
copies=${COPIES:-20}
say() { echo "test-slurm: $*"; }
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
step() { echo "test-slurm: [$(elapsed) s] $*"; }

fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }
skip() {
  if [ "${HAZLAB_SLURM_REQUIRED:-0}" = 1 ]; then fail "$* (HAZLAB_SLURM_REQUIRED=1; run Tools/setup.sh as root)"; fi
  say "SKIPPED the Slurm run: $* (Tools/setup.sh installs slurm-wlm and munge; HAZLAB_SLURM_REQUIRED=1 makes this a failure)"
  exit 0
}
[ -x "$hazlab_arg" ] || fail "no hazlab binary at $hazlab_arg (swift build -c release --product hazlab)"
hazlab=$(cd "$(dirname "$hazlab_arg")" && pwd)/$(basename "$hazlab_arg")
# Nothing of a surrounding Slurm (this test run as a Slurm job, a site's SLURM_CONF) leaks in.
for v in $(env | sed -n 's/^\(SLURM_[A-Za-z0-9_]*\|SBATCH_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

work=$(mktemp -d /tmp/hazlab-slurm.XXXXXX)
chmod 755 "$work"
pids=()        # slurmctld, slurmd (started here, in the background)
submitted=()   # job ids, cancelled on a failure
cleanup() {
  status=$?
  set +e
  if [ ${#submitted[@]} -gt 0 ]; then scancel "${submitted[@]}" >/dev/null 2>&1; fi
  # Stop what this script started, newest first, by process id; wait so the ports are free.
  for ((k = ${#pids[@]} - 1; k >= 0; k--)); do kill "${pids[$k]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  # munged forks into the background: its pid is in its pid file.
  if [ -f "$work/munge/munged.pid" ]; then
    mpid=$(cat "$work/munge/munged.pid")
    kill "$mpid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ "$status" != 0 ]; then
    for log in "$work"/slurmctld.log "$work"/slurmd.log "$work"/munge/munged.log "$work"/submit/*.log; do
      [ -s "$log" ] && { echo "---- $log (last 25 lines)"; tail -25 "$log"; }
    done
  fi
  if [ "${HAZLAB_SLURM_KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. The job scripts' exit rules, without Slurm: each script run by bash as a Slurm task
# would run it, with a stub `hazlab` that exits as told and writes a manifest or not.
# A task must fail when there is no manifest, whatever the exit status (a 0 without one used to
# pass, so a merge could start on a shard that was never written), and succeed on 0 or 1 with one.
mkdir -p "$work/stub"
cat >"$work/stub/hazlab" <<'STUB'
#!/usr/bin/env bash
echo "$*" >>"$STUB_LOG"
out=""; shard=""
while [ $# -gt 0 ]; do case "$1" in --out) out=$2; shift ;; --shard) shard=$2; shift ;; esac; shift; done
if [ "$STUB_MANIFEST" = 1 ]; then mkdir -p "$out"; echo '{}' >"$out/manifest.json"; fi
exit "$STUB_EXIT"
STUB
chmod +x "$work/stub/hazlab"
stub_task() {  # SCRIPT EXIT MANIFEST(0/1) TASK_ID MIN COUNT -> the script's exit status
  local script=$1 ex=$2 man=$3 id=$4 min=$5 count=$6 rc=0
  : >"$work/stub/log"
  PATH=$work/stub:$PATH STUB_LOG=$work/stub/log STUB_EXIT=$ex STUB_MANIFEST=$man \
    HAZLAB_DATA=$work/stub/data HAZLAB_RESULTS=$work/stub/results \
    SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=$min SLURM_ARRAY_TASK_COUNT=$count \
    bash "$here/$script" stub-batch 3 >"$work/stub/out" 2>&1 || rc=$?
  echo "$rc"
}
for case in "0 1 0" "1 1 0" "0 0 1" "1 0 1" "134 0 134" "134 1 134" "64 1 64"; do
  read -r ex man want <<<"$case"
  for script in grade-array.sbatch merge.sbatch; do
    got=$(stub_task "$script" "$ex" "$man" 2 1 3)
    [ "$got" = "$want" ] || { cat "$work/stub/out"; fail "$script: hazlab exit $ex, manifest $man: task exit $got, want $want"; }
  done
done
# Shard numbering: task ids 1-based (--array=1-3) and 0-based (--array=0-2) both give shards 1..3.
for case in "1 1 1/3" "3 1 3/3" "0 0 1/3" "2 0 3/3"; do
  read -r id min want <<<"$case"
  stub_task grade-array.sbatch 0 1 "$id" "$min" 3 >/dev/null
  grep -q -- "--shard $want --out $work/stub/results/stub-batch/shard-${want%/*} $work/stub/data/journals/stub-batch" "$work/stub/log" \
    || fail "grade-array.sbatch task $id of an array from $min: hazlab got '$(cat "$work/stub/log")', want --shard $want"
done
got=$(stub_task merge.sbatch 0 1 1 1 3 >/dev/null; cat "$work/stub/log")
want="merge --out $work/stub/results/stub-batch/final $work/stub/results/stub-batch/shard-1 $work/stub/results/stub-batch/shard-2 $work/stub/results/stub-batch/shard-3"
[ "$got" = "$want" ] || fail "merge.sbatch ran 'hazlab $got', want 'hazlab $want'"
step "job scripts' exit rules and shard numbering: ok (stub hazlab, no Slurm)"

# --- 2. A real Slurm.
export PATH=$PATH:/usr/sbin
for tool in munged slurmctld slurmd sbatch sinfo scontrol scancel runuser; do
  command -v "$tool" >/dev/null || skip "no $tool"
done
[ "$(id -u)" = 0 ] || skip "needs root (slurmd starts each job as the user who submitted it)"
id munge >/dev/null 2>&1 || skip "no user 'munge' (Debian's munge package makes it)"

# Two free TCP ports next to each other, away from Slurm's defaults (6817/6818).
free_port() { ! command -v ss >/dev/null || ! (ss -Htln | awk '{print $4}' | grep -qE "[:.]$1\$"); }
ctld_port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 30000))
  if free_port "$p" && free_port $((p + 1)); then ctld_port=$p; break; fi
done
[ -n "$ctld_port" ] || fail "no two free TCP ports found"
slurmd_port=$((ctld_port + 1))

# --- munge: its own key and socket. munged runs as user munge (it refuses root).
step "starting munged, slurmctld and slurmd in $work (ports $ctld_port, $slurmd_port)"
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown -R munge: "$work/munge"
chmod 755 "$work/munge"; chmod 400 "$work/munge/munge.key"  # the socket's folder: everyone may pass
sock=$work/munge/munge.socket
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$sock" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" >"$work/munged.out" 2>&1 || { cat "$work/munged.out"; fail "munged did not start"; }

# --- Slurm: one node (this machine), one partition.
host=$(hostname -s 2>/dev/null || uname -n | cut -d. -f1)
cpus=$(nproc)
[ "$cpus" -ge 2 ] || cpus=2   # grade-array.sbatch asks for 2 CPUs; config_overrides lets a 1-CPU node claim 2
mkdir -p "$work/state" "$work/spool" "$work/submit" "$work/data" "$work/results"
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=hazlabtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SlurmdParameters=config_overrides
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=2048 State=UNKNOWN
PartitionName=hazlab Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$host" >"$work/slurmd.out" 2>&1 &
pids+=($!)
for i in $(seq 1 300); do
  state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null || true)
  [ "$state" = idle ] && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { cat "$work"/slurm*.out; fail "a Slurm daemon exited while starting"; }; done
  [ "$i" = 300 ] && fail "the node is not idle after 30 s (sinfo says '${state:-nothing}'; logs below)"
  sleep 0.1
done
step "node $host idle ($cpus CPUs)"

# --- The batch: copies of the golden runs of four scenarios (one a gas scenario), 3 bad ones.
mkdir -p "$work/data/scenarios"
for s in boiler-room-gas-leak pump-lockout-tagout switchgear-maintenance tank-filling; do
  mkdir -p "$work/data/scenarios/$s"
  cp "$root/Scenarios/$s/scenario.yaml" "$work/data/scenarios/$s/"
done
batch=batch-$(date +%Y%m%d)
journals=$(python3 "$here/make-batch.py" --scenarios "$root/Scenarios" --copies "$copies" \
  --out "$work/data/journals/$batch" --unknown reactor-cooling-loss \
  "boiler-room-gas-leak:${GAS_COPIES:-6}" pump-lockout-tagout switchgear-maintenance tank-filling)
step "batch $batch: $journals journals, $shards shards"

# A second batch whose scenarios do not compile: every task fails, so its merge must never run.
mkdir -p "$work/broken/scenarios/bad" "$work/broken/journals/broken"
echo 'id: [not a scenario' >"$work/broken/scenarios/bad/scenario.yaml"
cp "$(find "$work/data/journals/$batch" -name '*.jsonl' | head -1)" "$work/broken/journals/broken/"

# --- Submit with the project's own script, as an operator would (hazlab on PATH).
mkdir -p "$work/bin"
ln -s "$hazlab" "$work/bin/hazlab"
cd "$work/submit"
submit() {  # DATA BATCH -> "ARRAY MERGE"
  local out array merge
  out=$(PATH=$work/bin:$PATH HAZLAB_DATA=$1 HAZLAB_RESULTS=$work/results bash "$here/submit.sh" "$2" "$shards") \
    || fail "submit.sh $2 $shards failed: $out"
  echo "$out" | sed 's/^/    submit.sh: /' >&2
  array=$(echo "$out" | sed -n 's/.*array job \([0-9]*\).*/\1/p')
  merge=$(echo "$out" | sed -n 's/.*merge: job \([0-9]*\).*/\1/p')
  [ -n "$array" ] && [ -n "$merge" ] || fail "cannot read the job ids in submit.sh's output: $out"
  echo "$array $merge"
}
read -r array merge < <(submit "$work/data" "$batch")
submitted+=("$array" "$merge")
read -r barray bmerge < <(submit "$work/broken" broken)
submitted+=("$barray" "$bmerge")

# --- Wait for both merge jobs to end (no accounting here: scontrol keeps ended jobs MinJobAge s).
states() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | uniq -c \
  | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}'; }
ended() { case "$1" in *COMPLETED|*FAILED|*CANCELLED|*TIMEOUT|*NODE_FAIL|*OUT_OF_MEMORY|*BOOT_FAIL|*DEADLINE|*PREEMPTED) return 0 ;; esac; return 1; }
seen=""
for i in $(seq 1 1200); do
  st=$(states "$merge"); bst=$(states "$bmerge")
  now="array: $(states "$array"); merge: ${st:-?} | broken array: $(states "$barray"); its merge: ${bst:-?}"
  [ "$now" != "$seen" ] && { step "$now"; seen=$now; }
  ended "$st" && ended "$bst" && break
  [ "$i" = 1200 ] && fail "the merge jobs did not end in 120 s ($now)"
  sleep 0.1
done
if [ "$st" != "1 COMPLETED" ]; then
  scontrol show job "$merge" | sed 's/^/    /'
  fail "the merge job ended ${st#1 }"
fi
[ "$bst" = "1 CANCELLED" ] || fail "the broken batch's merge ended ${bst#1 }, want CANCELLED (its shards failed: afterok never holds)"
[ "$(states "$barray")" = "$shards FAILED" ] || fail "the broken batch's tasks: $(states "$barray"), want $shards FAILED"
[ ! -e "$work/results/broken/final" ] || fail "the broken batch has a final/ folder"
grep -q "shard 1/$shards failed: exit 1, manifest.json missing" "$work/submit/hazlab-grade-${barray}_1.log" \
  || fail "the broken batch's task log does not say why it failed"
final=$work/results/$batch/final
[ -f "$final/manifest.json" ] || fail "the merge job completed but wrote no $final/manifest.json"
for i in $(seq 1 "$shards"); do
  [ -f "$work/results/$batch/shard-$i/manifest.json" ] || fail "no manifest for shard $i"
done

# --- The same batch, unsharded, same paths spelled the same way.
step "grading the batch unsharded for comparison"
set +e
"$hazlab" grade --scenarios "$work/data/scenarios" --out "$work/unsharded" "$work/data/journals/$batch" \
  >"$work/unsharded.out" 2>"$work/unsharded.err"
status=$?
set -e
[ "$status" = 1 ] || { cat "$work/unsharded.err"; fail "unsharded grade exited $status, expected 1 (3 bad journals)"; }

# --- Byte for byte: every file of the unsharded output, and no other file in final/.
same=0
for f in results.json results.csv errors.json manifest.json; do
  if cmp -s "$work/unsharded/$f" "$final/$f"; then
    same=$((same + 1))
  else
    echo "test-slurm: $f differs (unsharded vs merged):" >&2
    diff <(tr -d '\r' <"$work/unsharded/$f") <(tr -d '\r' <"$final/$f") | head -40 >&2 || true
  fi
done
extra=$(cd "$final" && ls | grep -vxE 'results\.json|results\.csv|errors\.json|manifest\.json' || true)
[ -z "$extra" ] || fail "final/ holds files an unsharded run does not write: $extra"
[ "$same" = 4 ] || fail "the merged output differs from the unsharded run"

# The batch was really sharded and really checked: counts in the manifest, work in every shard.
read -r mj ma mb < <(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["journals"], m["attempts"], m["badJournals"])' "$final/manifest.json")
[ "$mj" = "$journals" ] || fail "final manifest counts $mj journals, the batch has $journals"
[ "$mb" = 3 ] || fail "final manifest counts $mb bad journals, expected 3"
[ $((ma + mb)) = "$mj" ] || fail "attempts $ma + bad $mb != journals $mj"
for i in $(seq 1 "$shards"); do
  n=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["attempts"])' "$work/results/$batch/shard-$i/manifest.json")
  [ "$n" -gt 0 ] || fail "shard $i graded no attempt: the batch was not really sharded"
  per+=("$n")
done
step "PASS: merged output of $shards Slurm array tasks = unsharded grade, byte for byte (results.json, results.csv, errors.json, manifest.json); $ma attempts (per shard: ${per[*]}), $mb bad journals"
