#!/usr/bin/env bash
# Stop Cryo's host C (daemon C, Docker 28, started by host-c.sh). dockerd stops its
# containers and its own containerd before exiting. Safe to run when already stopped.
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root"
(($# == 0)) || die "no arguments expected"
PIDFILE=/run/docker-c.pid
MARKER=/run/docker-c.sock # in daemon C's command line: guards against a recycled pid

if [[ ! -s $PIDFILE ]]; then
	log "daemon-c: not running"
	exit 0
fi
pid=$(<"$PIDFILE")
if ! tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$MARKER"; then
	log "daemon-c: not running (stale $PIDFILE)"
	rm -f "$PIDFILE"
	exit 0
fi
kill -TERM "$pid"
for _ in $(seq 600); do
	kill -0 "$pid" 2>/dev/null || { log "daemon-c: stopped (pid $pid)"; exit 0; }
	sleep 0.1
done
kill -KILL "$pid" 2>/dev/null || true
log "daemon-c: killed after 60 s (pid $pid)"
