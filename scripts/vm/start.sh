#!/usr/bin/env bash
# Start the Cryo VM host: a throw-away copy of the image from build-image.sh (built first
# if needed), booted under qemu TCG, reachable only by ssh on 127.0.0.1.
#
#   start.sh [--with-daemon-b] [--ssh-include]
#
#   ssh -F /var/lib/cryo/vm/ssh/config cryo-vm docker ps      daemon A (the VM's docker.service)
#   ssh -F /var/lib/cryo/vm/ssh/config cryo-vm-b docker ps    daemon B (--with-daemon-b)
#
# --with-daemon-b  also start the VM's second daemon (unix:///run/docker-b.sock, data root
#                  /var/lib/docker-b on a shared bind mount, --bridge none) for migration tests
# --ssh-include    add `Include /var/lib/cryo/vm/ssh/config` to /root/.ssh/config so that
#                  DOCKER_HOST=ssh://cryo-vm works with the docker CLI (it cannot take ssh -F)
# Env: CRYO_VM_SSH_PORT (default 2223), CRYO_VM_MEM (MiB, default 1024).
# Idempotent: a VM that already runs is kept. Stop it with stop.sh (the disk copy is discarded).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

((EUID == 0)) || die "must run as root"
with_b=0
ssh_include=0
for arg in "$@"; do
	case $arg in
	--with-daemon-b) with_b=1 ;;
	--ssh-include) ssh_include=1 ;;
	*) die "unknown argument '$arg' (use: [--with-daemon-b] [--ssh-include])" ;;
	esac
done

"$here/build-image.sh"

PIDFILE=$VM_STATE/qemu.pid
CONFIG=$VM_SSH_DIR/config
mkdir -p "$VM_STATE"
install -d -m 700 "$VM_SSH_DIR"

# A shared lock: no build may replace the image while we copy it.
exec 9>"$VM_CACHE/.lock"
flock -s -w 3600 9 || die "a build holds $VM_CACHE/.lock"
image=$(readlink -f "$VM_CACHE/current")
[[ -s $image/disk.img && -s $image/images.stamp ]] || die "no built image in $VM_CACHE/current"

if pid=$(vm_qemu_pid "$PIDFILE"); then
	port=$(cat "$VM_STATE/port")
	log "VM already running (qemu pid $pid, ssh on 127.0.0.1:$port)"
	[[ $(cat "$VM_STATE/image" 2>/dev/null) == "$image" ]] ||
		log "WARNING: it runs an older image than $image; stop.sh && start.sh to use the new one"
else
	port=$VM_SSH_PORT
	# The keys of this image: the client key it authorizes and the host key it presents.
	install -m 600 "$image/ssh/id_ed25519" "$VM_SSH_DIR/id_ed25519"
	install -m 644 "$image/ssh/id_ed25519.pub" "$VM_SSH_DIR/id_ed25519.pub"
	install -m 644 "$image/ssh/known_hosts" "$VM_SSH_DIR/known_hosts"
	vm_write_ssh_config "$VM_SSH_DIR" "$port"
	echo "$port" >"$VM_STATE/port"
	echo "$image" >"$VM_STATE/image"

	t=$SECONDS
	cp --sparse=always "$image/disk.img" "$VM_STATE/run.img"
	log "disk copied in $((SECONDS - t)) s; booting (serial log: $VM_STATE/serial.log)"
	boot_start=$(date +%s%N)
	vm_qemu_start "$VM_STATE/run.img" "$port" "$PIDFILE" "$VM_STATE/serial.log" "$image"
	elapsed() { local ds=$((($(date +%s%N) - boot_start) / 100000000)); echo "$((ds / 10)).$((ds % 10))"; }
	vm_wait_for "$CONFIG" 180 true "$PIDFILE" || die "no ssh within 180 s (serial log: $VM_STATE/serial.log)"
	log "ssh answers $(elapsed) s after boot"
	vm_wait_for "$CONFIG" 180 'docker info' "$PIDFILE" || die "dockerd in the VM did not answer within 180 s"
	log "docker answers $(elapsed) s after boot"
fi
flock -u 9

# Normally baked into the image (its images.stamp matches the sources): then one look
# suffices. Otherwise images.sh builds what is missing or stale (~20 s an image).
have_images() {
	[[ $(<"$image/images.stamp") == "$(vm_images_key)" ]] || return 1
	local n
	n=$(ssh -F "$CONFIG" "$1" "docker images --filter label=cryo.source-hash --format '{{.Repository}}' | grep -cE '^cryo-(counter|memhog|forker)\$'") || return 1
	((n == 3))
}
if have_images cryo-vm; then
	log "test images: baked into the image and present"
else
	vm_images "$CONFIG" cryo-vm
fi

if ((with_b)); then
	ssh -F "$CONFIG" cryo-vm 'systemctl start docker-b && docker -H unix:///run/docker-b.sock info >/dev/null 2>&1' ||
		die "daemon B did not start in the VM (ssh -F $CONFIG cryo-vm journalctl -u docker-b)"
	have_images cryo-vm-b || vm_images "$CONFIG" cryo-vm-b
	log "daemon B: ssh -F $CONFIG cryo-vm-b docker ps   (in the VM: DOCKER_HOST=$VM_SOCK_B, runc root /run/docker-b/runtime-runc/moby-b)"
fi

if ((ssh_include)); then
	install -d -m 700 /root/.ssh
	touch /root/.ssh/config
	if ! grep -qxF "Include $CONFIG" /root/.ssh/config; then
		# Include must come before any Host block to apply globally.
		{ echo "Include $CONFIG"; cat /root/.ssh/config; } >/root/.ssh/config.cryo-tmp
		mv /root/.ssh/config.cryo-tmp /root/.ssh/config
		log "ssh: added 'Include $CONFIG' to /root/.ssh/config"
	fi
fi

dirty=$(ssh -F "$CONFIG" cryo-vm 'criu check --feature mem_dirty_track 2>&1' || true)
log "in the VM: $(ssh -F "$CONFIG" cryo-vm 'uname -r') kernel; criu: ${dirty//$'\n'/ }"
log "ready: ssh -F $CONFIG cryo-vm docker ps   (127.0.0.1:$port, stop with scripts/vm/stop.sh)"
