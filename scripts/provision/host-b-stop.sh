#!/usr/bin/env bash
# Stop Cryo's host B (started by host-b.sh): its private sshd and daemon B.
#
#   host-b-stop.sh [--daemon-only]
#
# --daemon-only stops only daemon B, so tests can simulate "the daemon is down" while
# ssh to the host still works. Safe to run when things are already stopped.
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root"
daemon_only=0
for arg in "$@"; do
	case $arg in
	--daemon-only) daemon_only=1 ;;
	*) die "unknown argument '$arg' (use: [--daemon-only])" ;;
	esac
done

SSH_DIR=/var/lib/cryo/host-b/ssh
PIDFILE=/run/docker-b.pid

# Stop the process in pidfile $1 if its command line contains $2 (guards against a
# recycled pid), waiting up to $3 seconds before SIGKILL.
stop_pid() {
	local pidfile=$1 marker=$2 wait_s=$3 what=$4 pid
	if [[ ! -s $pidfile ]]; then
		log "$what: not running"
		return
	fi
	pid=$(<"$pidfile")
	if ! tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$marker"; then
		log "$what: not running (stale $pidfile)"
		rm -f "$pidfile"
		return
	fi
	kill -TERM "$pid"
	for _ in $(seq $((wait_s * 10))); do
		kill -0 "$pid" 2>/dev/null || { log "$what: stopped (pid $pid)"; return; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	log "$what: killed after ${wait_s} s (pid $pid)"
}

if ((!daemon_only)); then
	stop_pid "$SSH_DIR/sshd.pid" "$SSH_DIR/sshd_config" 5 "sshd-b"
fi
# dockerd stops its containers (SIGTERM, then SIGKILL after their stop timeout) and its
# own containerd before exiting, so give it time.
stop_pid "$PIDFILE" "/run/docker-b.sock" 60 "daemon-b"
