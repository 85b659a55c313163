#!/bin/bash
# A real Slurm on this one machine, to try the examples here before a cluster (and for CI):
#
#   sudo assets/cluster/local-slurm.sh start     # installs slurm-wlm + munge if missing (Debian)
#   export SLURM_CONF=/tmp/seedscope-slurm/slurm.conf
#   SEEDSCOPE=$PWD/target/release/seedscope PRESET=circles REPEATS=4 \
#     assets/cluster/submit.sh --array=0-3
#   squeue                                       # the parts, then the merge
#   sudo assets/cluster/local-slurm.sh stop
#
# One node (this machine, its CPUs and memory as slurmd reads them), one partition, jobs run
# as the submitting user. The controller, the node daemon and munge are started by this
# script and stopped by `stop`; nothing under /etc/slurm is touched: the configuration lives
# in $SLURM_DIR (default /tmp/seedscope-slurm), which SLURM_CONF must point at for sbatch.
# Needs root (the daemons run as root, as a single-node test setup may).
set -euo pipefail

: "${SLURM_DIR:=/tmp/seedscope-slurm}"
conf="$SLURM_DIR/slurm.conf"
export SLURM_CONF="$conf"

say() { echo "local-slurm: $*"; }

install_if_missing() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null && return
  command -v apt-get >/dev/null || { say "install slurm-wlm and munge first" >&2; exit 2; }
  say "installing slurm-wlm and munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null
}

write_conf() {
  local host node
  host=$(hostname -s)
  mkdir -p "$SLURM_DIR"/{state,spool,log}
  # slurmd -C prints this node's line (CPUs, sockets, cores, memory) as slurm.conf wants it.
  node=$(slurmd -C | head -n 1)
  cat >"$conf" <<CONF
# Written by seedscope's assets/cluster/local-slurm.sh: a one-node Slurm for trying the examples.
ClusterName=seedscope-local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
$node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  [ "$(id -u)" = 0 ] || { say "start needs root (the daemons run as root)" >&2; exit 2; }
  install_if_missing
  # A daemon left from an earlier start would hold the ports with an older configuration.
  end_processes slurmd
  end_processes slurmctld
  write_conf
  if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
      || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    # munged runs as root here, so its key and folders belong to root (it refuses or warns
    # about files another user could change).
    chown -R root:root /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge /var/log/munge /var/lib/munge
    chmod 0400 /etc/munge/munge.key
    munged --force
  fi
  slurmctld -f "$conf"
  slurmd -f "$conf"
  # The node registers within seconds; wait for it to take jobs.
  for _ in $(seq 1 60); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      say "up: $(sinfo -h -o '%N %c CPUs %m MB %t')"
      say "export SLURM_CONF=$conf"
      return
    fi
    sleep 1
  done
  say "the node did not come up; logs in $SLURM_DIR/log" >&2
  sinfo >&2 || true
  exit 1
}

# Ends the named processes and waits until they are gone (SIGKILL after 10 s), so that a
# `start` right after a `stop` never finds a daemon on its way out.
end_processes() {
  local pids
  pids=$(pgrep -x "$1" || true)
  [ -n "$pids" ] || return 0
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 100); do
    pgrep -x "$1" >/dev/null || return 0
    sleep 0.1
  done
  pkill -9 -x "$1" 2>/dev/null || true
}

stop() {
  end_processes slurmd
  end_processes slurmctld
  # munged was started by `start` unless it was already running; stopping it is harmless
  # on a machine that runs no other Slurm (STOP_MUNGE=0 leaves it).
  if [ "${STOP_MUNGE:-1}" = 1 ]; then
    end_processes munged
  fi
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo && squeue ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
