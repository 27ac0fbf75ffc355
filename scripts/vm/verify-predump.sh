#!/usr/bin/env bash
# Check, in the running Cryo VM (start.sh), the pre-dump recipe of vm-host.md end to end:
# a cryo-counter container, two runc pre-dumps nested in the final checkpoint folder
# (final/pd1, final/pd2 --parent-path ../pd1), the final dump (--parent-path pd2), then
# `docker start --checkpoint` must continue the count. Prints CRIU's stats per round.
#
#   verify-predump.sh [--daemon-b] [--memhog MB:PCT]
#
# --daemon-b       also restore a copy of the same checkpoint into a new container of the
#                  VM's daemon B (start.sh --with-daemon-b): a migration between daemons.
# --memhog MB:PCT  use cryo-memhog holding MB MiB and dirtying PCT % of it per second
#                  instead of cryo-counter, to see what the pre-dumps save
# Exits non-zero when a step fails or a counter does not continue.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

with_b=0
workload=(cryo-counter)
while (($#)); do
	case $1 in
	--daemon-b) with_b=1 ;;
	--memhog)
		[[ ${2:-} =~ ^([0-9]+):([0-9]+)$ ]] || die "--memhog wants MB:PCT, e.g. 64:5"
		workload=(cryo-memhog /memhog "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
		shift
		;;
	*) die "unknown argument '$1' (use: [--daemon-b] [--memhog MB:PCT])" ;;
	esac
	shift
done
CONFIG=${CRYO_VM_SSH_CONFIG:-$VM_SSH_DIR/config}
[[ -s $CONFIG ]] || die "no $CONFIG: run scripts/vm/start.sh first"

# Runs in the guest (bash, as root). $1: 1 to migrate to daemon B too; $2...: image [cmd...].
# shellcheck disable=SC2016
remote='
set -euo pipefail
with_b=$1
workload=("${@:2}")
B=(docker -H unix:///run/docker-b.sock)
runc=(runc --root /run/docker/runtime-runc/moby)
name=cryo-verify-$(date +%s)
base=/var/lib/cryo-verify/$name
final=$base/final work=$base/work
idb=
cleanup() {
	docker rm -f "$name" >/dev/null 2>&1 || true
	[[ -n $idb ]] && "${B[@]}" rm -f "$idb" >/dev/null 2>&1
	rm -rf "$base"
}
trap cleanup EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
count() { "${@:2}" exec "$1" cat /count 2>/dev/null || echo 0; }

mkdir -p "$final" "$work"/pd1 "$work"/pd2 "$work"/final
id=$(docker run -d --network none --name "$name" "${workload[@]}")
echo "container $name ${id:0:12} (daemon A): ${workload[*]}"
for _ in $(seq 120); do (( $(count "$id" docker) >= 10 )) && break; sleep 0.5; done

t=$(date +%s%N)
"${runc[@]}" checkpoint --pre-dump --image-path "$final/pd1" --work-path "$work/pd1" "$id"
echo "pre-dump 1: $(ms "$t") ms, count $(count "$id" docker)"
sleep 2
t=$(date +%s%N)
"${runc[@]}" checkpoint --pre-dump --image-path "$final/pd2" --parent-path ../pd1 --work-path "$work/pd2" "$id"
echo "pre-dump 2: $(ms "$t") ms, count $(count "$id" docker)"
sleep 2
t=$(date +%s%N)
"${runc[@]}" checkpoint --image-path "$final" --parent-path pd2 --work-path "$work/final" "$id"
echo "final dump: $(ms "$t") ms; container now: $(docker inspect -f "{{.State.Status}} (exit {{.State.ExitCode}})" "$id")"
at=$(docker logs --tail 1 "$id" 2>&1)
echo "count at checkpoint: $at"

# CRIU statistics per round (stats-dump, decoded by CRIU own crit).
for round in pd1 pd2 final; do
	[[ $round == final ]] && dir=$final || dir=$final/$round
	f=
	for c in "$work/$round/stats-dump" "$dir/stats-dump"; do [[ -s $c ]] && { f=$c; break; }; done
	size=$(find "$dir" -maxdepth 1 -type f -printf "%s\n" | awk "{s+=\$1} END {printf \"%.1f\", s/1048576}")
	if [[ -n $f ]]; then
		crit decode -i "$f" | python3 -c "
import json, sys
d = json.load(sys.stdin)[\"entries\"][0][\"dump\"]
print(\"%-6s frozen %5.0f ms  memdump %5.0f ms  memwrite %5.0f ms  pages scanned %6d  skipped (parent) %6d  written %6d  files %s MiB\" % (
    sys.argv[1], d.get(\"frozen_time\", 0) / 1000, d.get(\"memdump_time\", 0) / 1000, d.get(\"memwrite_time\", 0) / 1000,
    d.get(\"pages_scanned\", 0), d.get(\"pages_skipped_parent\", 0), d.get(\"pages_written\", 0), sys.argv[2]))
" "$round" "$size"
	else
		echo "$round  (no stats-dump found)  files $size MiB"
	fi
done
echo "parent links: pd2 -> $(readlink "$final/pd2/parent"), final -> $(readlink "$final/parent")"

if ((with_b)); then
	idb=$("${B[@]}" create --network none --name "$name-b" "${workload[@]}")
	mkdir -p "/var/lib/docker-b/containers/$idb/checkpoints"
	cp -a "$final" "/var/lib/docker-b/containers/$idb/checkpoints/pd"
fi
cp -a "$final" "/var/lib/docker/containers/$id/checkpoints/pd"

restore() { # $1 id, $2.. docker command
	local t out
	t=$(date +%s%N)
	# containerd 1.6 once said "content sha256:... already exists" right after a checkpoint;
	# the same start again worked.
	if ! out=$("${@:2}" start --checkpoint pd "$1" 2>&1); then
		echo "first start failed ($out), retrying"
		sleep 1
		"${@:2}" start --checkpoint pd "$1" >/dev/null
	fi
	echo "restore: $(ms "$t") ms"
}
ok=1
check() { # $1 id, $2 label, $3.. docker command
	local v
	sleep 2
	v=$(count "$1" "${@:3}")
	if [[ $("${@:3}" inspect -f "{{.State.Running}}" "$1") == true ]] && ((v > at)); then
		echo "$2: running, count $v > $at: the counter continued"
	else
		echo "$2: FAILED (running=$("${@:3}" inspect -f "{{.State.Running}}" "$1"), count $v, at checkpoint $at)"
		ok=0
	fi
}
restore "$id" docker
check "$id" "daemon A, same container" docker
if ((with_b)); then
	restore "$idb" "${B[@]}"
	check "$idb" "daemon B, new container ${idb:0:12}" "${B[@]}"
fi
((ok))
'
log "running the pre-dump recipe in the VM (about a minute under TCG)"
# As an argument, not on stdin: nothing in the script can then swallow the rest of it.
if ssh -F "$CONFIG" cryo-vm "bash -c $(printf '%q' "$remote") verify $with_b ${workload[*]}" </dev/null | sed 's/^/  /'; then
	log "pre-dump recipe: OK"
else
	die "pre-dump recipe failed (see above)"
fi
