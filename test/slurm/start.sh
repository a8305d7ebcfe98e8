#!/usr/bin/env bash
# Start a one-node Slurm cluster on localhost (munge, slurmctld, slurmd) for the Slurm tests.
# Needs root and Debian's packages: apt-get install -y slurmctld slurmd slurm-client munge.
# Idempotent: a second call restarts the daemons with the current slurm.conf.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" != 0 ]; then echo "test/slurm/start.sh: needs root" >&2; exit 1; fi
for bin in munged slurmctld slurmd sbatch; do
  command -v "$bin" >/dev/null || { echo "test/slurm/start.sh: $bin not found (apt-get install -y slurmctld slurmd slurm-client munge)" >&2; exit 1; }
done

cpus=$(nproc)
# Leave the OS some memory; Slurm refuses a node whose RealMemory exceeds what it has.
memory=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) * 9 / 10 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
sed -e "s/@CPUS@/$cpus/" -e "s/@MEMORY@/$memory/" "$here/slurm.conf" > /etc/slurm/slurm.conf

stop() { # pidfile
  if [ -f "$1" ]; then kill "$(cat "$1")" 2>/dev/null || true; rm -f "$1"; fi
}
stop /run/slurmd.pid
stop /run/slurmctld.pid
sleep 1

# munge: the key comes with Debian's package; make one when it is missing.
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
if ! munge -n >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi
for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done

# -c: a clean start (no jobs from a previous start); -N: the node's name in slurm.conf.
slurmctld -c
slurmd -N localhost
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "Slurm is up: $(sinfo -h -o '%P %D %T %c CPUs')"
    exit 0
  fi
  sleep 0.2
done
echo "test/slurm/start.sh: the node did not become idle; sinfo says:" >&2
sinfo >&2 || true
tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
