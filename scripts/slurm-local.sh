#!/usr/bin/env bash
# A real one-node Slurm on localhost for lmmscan's cluster tests (see /work/shared/notes/slurm.md).
#
#   scripts/slurm-local.sh start    start munged (if none answers), slurmctld and slurmd; reuse a running one
#   scripts/slurm-local.sh stop     stop only what `start` started (by the pids it recorded)
#   scripts/slurm-local.sh status   say whether the cluster answers
#
# Everything lives under $LMMSCAN_SLURM_DIR (default /tmp/lmmscan-slurm); /etc/slurm is never written,
# so clients need SLURM_CONF=$LMMSCAN_SLURM_DIR/slurm.conf. The last line of `start` and `status` is
# `SLURM_CONF=...` (empty when a system Slurm configured in /etc/slurm is reused). Needs root.
set -u
DIR="${LMMSCAN_SLURM_DIR:-/tmp/lmmscan-slurm}"
CONF="$DIR/slurm.conf"

log() { echo "slurm-local: $*" >&2; }

# A pid from a pid file that is alive and not a zombie.
alive() {
  local pidfile="$1" pid state
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat")
  [ "$state" != "Z" ] && [ "$state" != "X" ]
}

ours_up() {
  alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid" &&
    SLURM_CONF="$CONF" timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'
}

node_state() { SLURM_CONF="$1" timeout 10 sinfo -h -o %T 2>/dev/null | head -1; }

wait_idle() {
  local conf="$1" node="$2" k state
  for k in $(seq 1 120); do
    state=$(node_state "$conf")
    case "$state" in
      idle* | mixed* | allocated*) return 0 ;;
      down* | drain*) SLURM_CONF="$conf" scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 ;;
    esac
    sleep 0.25
  done
  return 1
}

start_munge() {
  if timeout 5 munge -n 2>/dev/null | timeout 5 unmunge >/dev/null 2>&1; then
    log "reusing the running munged"
    return 0
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- munged || { log "munged did not start"; return 1; }
  cp /run/munge/munged.pid "$DIR/munged.pid" 2>/dev/null || pgrep -n -u munge munged >"$DIR/munged.pid"
  for _ in $(seq 1 40); do
    timeout 5 munge -n 2>/dev/null | timeout 5 unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "munged does not answer"
  return 1
}

write_conf() {
  local host node cpus boards sockets cores threads free mem
  host=$(hostname -s)
  node=$(slurmd -C | head -1)
  cpus=$(sed -nE 's/.*CPUs=([0-9]+).*/\1/p' <<<"$node")
  boards=$(sed -nE 's/.*Boards=([0-9]+).*/\1/p' <<<"$node")
  sockets=$(sed -nE 's/.*SocketsPerBoard=([0-9]+).*/\1/p' <<<"$node")
  cores=$(sed -nE 's/.*CoresPerSocket=([0-9]+).*/\1/p' <<<"$node")
  threads=$(sed -nE 's/.*ThreadsPerCore=([0-9]+).*/\1/p' <<<"$node")
  free=$(free -m | awk '/^Mem:/ {print $2}')
  mem=$((free * 9 / 10))
  mkdir -p "$DIR/state" "$DIR/spool"
  cat >"$CONF" <<EOF
# Written by lmmscan scripts/slurm-local.sh: a one-node test cluster.
ClusterName=lmmscan-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=5
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  mkdir -p "$DIR"
  if ours_up; then
    log "reusing the Slurm started earlier in $DIR"
    echo "reused"
    echo "SLURM_CONF=$CONF"
    return 0
  fi
  if [ -z "${SLURM_CONF:-}" ] && [ -f /etc/slurm/slurm.conf ] && timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; then
    log "reusing the system Slurm (/etc/slurm/slurm.conf)"
    echo "reused"
    echo "SLURM_CONF="
    return 0
  fi
  for cmd in slurmctld slurmd sbatch squeue scontrol munged; do
    command -v "$cmd" >/dev/null || { log "$cmd not found: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge"; return 3; }
  done
  [ "$(id -u)" -eq 0 ] || { log "starting a Slurm needs root"; return 3; }
  start_munge || return 1
  write_conf
  # Leftovers of a daemon that died are stopped before a clean start.
  for d in slurmd slurmctld; do alive "$DIR/$d.pid" && kill "$(cat "$DIR/$d.pid")" && sleep 0.5; rm -f "$DIR/$d.pid"; done
  slurmctld -f "$CONF" || { log "slurmctld failed; see $DIR/slurmctld.log"; return 1; }
  slurmd -f "$CONF" || { log "slurmd failed; see $DIR/slurmd.log"; return 1; }
  for _ in $(seq 1 80); do ours_up && break; sleep 0.25; done
  ours_up || { log "the controller does not answer; see $DIR/slurmctld.log"; return 1; }
  wait_idle "$CONF" "$(hostname -s)" || { log "the node never became idle; see $DIR/slurmd.log"; return 1; }
  touch "$DIR/started"
  log "started (conf $CONF)"
  echo "started"
  echo "SLURM_CONF=$CONF"
}

stop_pid() {
  local pidfile="$1" pid
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 40); do alive "$pidfile" || break; sleep 0.1; done
  alive "$pidfile" && kill -9 "$pid" 2>/dev/null
  rm -f "$pidfile"
}

stop() {
  [ -f "$DIR/started" ] || { log "nothing started by this script in $DIR"; return 0; }
  if ours_up; then
    SLURM_CONF="$CONF" scancel --user="$(id -un)" 2>/dev/null
    for _ in $(seq 1 40); do
      [ -z "$(SLURM_CONF="$CONF" squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.25
    done
    sleep 2 # clients polling the controller notice the end of their jobs
  fi
  stop_pid "$DIR/slurmd.pid"
  stop_pid "$DIR/slurmctld.pid"
  [ -f "$DIR/munged.pid" ] && stop_pid "$DIR/munged.pid"
  rm -f "$DIR/started"
  log "stopped"
}

status() {
  if ours_up; then
    echo "up ($(node_state "$CONF"))"
    echo "SLURM_CONF=$CONF"
  else
    echo "down"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
