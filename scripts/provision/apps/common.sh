# shellcheck shell=bash
# Sourced by every entry script: readiness marker, bounded waits, clean stop.
# The entry script is the container's PID 1; whatever it starts is part of a checkpoint
# (a process started by `docker exec` is not: CRIU refuses it).
set -euo pipefail
export LANG=C.UTF-8

# docker stop sends SIGTERM to PID 1, which bash ignores unless trapped.
trap 'kill $(jobs -p) 2>/dev/null || true; exit 0' TERM INT

# Atomically publishes a line to a file (write a temporary, then rename over it), so that a
# reader through the archive API never sees it half written.
publish() { printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"; }

# The application answers and its client runs: /ready tells the tests so.
ready() { publish /ready "$1"; echo "[cryo] ready: $1"; }

# wait_for SECONDS WHAT COMMAND...: retries COMMAND every 0.1 s; fails at once if the
# process started last in the background (the server) has exited.
wait_for() {
	local secs=$1 what=$2 i server=${!:-}
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if [[ -n $server ]] && ! kill -0 "$server" 2>/dev/null; then
			echo "[cryo] $what: its process exited before it answered" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "[cryo] $what not ready after $secs s" >&2
	return 1
}

# CRYO_NO_CLIENT=1: the server alone, no in-container client (e.g. a listening socket with
# no connection, which CRIU dumps without --tcp-established).
with_client() { [[ ${CRYO_NO_CLIENT:-0} != 1 ]]; }

# File present and not empty.
nonempty() { [[ -s $1 ]]; }
