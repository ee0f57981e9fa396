#!/bin/bash
# A one-node Slurm cluster on this machine, for tests: `one-node-cluster.sh start DIR` writes DIR/slurm.conf
# (no cgroups: process tracking by /proc, no task plugin, no accounting), starts munged if none runs, then
# slurmctld and slurmd as root with their state, spool, logs and pids in DIR; prints `export SLURM_CONF=...`.
# `one-node-cluster.sh stop DIR` stops the daemons it started there (by their pid files; munged only if it
# started it). Needs Debian's
# slurmctld, slurmd, slurm-client and munge (`apt-get install -y slurmctld slurmd slurm-client munge`).
set -euo pipefail
cmd="${1:?usage: one-node-cluster.sh start|stop DIR}"
dir="$(mkdir -p "${2:?usage: one-node-cluster.sh start|stop DIR}" && cd "$2" && pwd)"
ctld_port="${SLURM_TEST_CTLD_PORT:-16817}"
d_port="${SLURM_TEST_D_PORT:-16818}"

stop_pid() {
  local f="$dir/$1.pid"
  if [ -f "$f" ]; then
    local pid
    pid="$(cat "$f")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  fi
}

case "$cmd" in
start)
  for bin in slurmctld slurmd sbatch munged; do
    command -v "$bin" >/dev/null || { echo "no $bin: apt-get install -y slurmctld slurmd slurm-client munge" >&2; exit 3; }
  done
  host="$(hostname -s)"
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cat > "$dir/slurm.conf" <<CONF
ClusterName=sweepstest
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
KillWait=10
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  # munge: a key (owner munge, mode 400) and its run folder; reuse a munged that already runs.
  if ! pgrep -x munged >/dev/null; then
    if [ ! -s /etc/munge/munge.key ]; then
      mkdir -p /etc/munge
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge
    su -s /bin/sh munge -c munged
    touch "$dir/munged.started" # ours: `stop` ends it
  fi
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  for _ in $(seq 100); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "export SLURM_CONF=$SLURM_CONF"
      exit 0
    fi
    sleep 0.3
  done
  echo "the node did not come up; see $dir/log" >&2
  sinfo >&2 || true
  tail -20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  exit 4
  ;;
stop)
  export SLURM_CONF="$dir/slurm.conf"
  scancel --full --quiet -u root 2>/dev/null || true
  stop_pid slurmd
  stop_pid slurmctld
  if [ -f "$dir/munged.started" ] && [ -f /run/munge/munged.pid ]; then
    kill -TERM "$(cat /run/munge/munged.pid)" 2>/dev/null || true
    rm -f "$dir/munged.started"
  fi
  ;;
*)
  echo "usage: one-node-cluster.sh start|stop DIR" >&2
  exit 2
  ;;
esac
