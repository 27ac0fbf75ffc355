# Shared by scripts/vm/*.sh: paths, the qemu command line, ssh config and waits.
# Sourced, not run. Why the VM exists and why each qemu flag: /work/shared/notes/vm-host.md
# (this machine's kernel has no soft-dirty tracking, so CRIU pre-dump needs a stock kernel).
# shellcheck shell=bash disable=SC2034

log() { echo "[vm] $*"; }
die() { echo "[vm] ERROR: $*" >&2; exit 1; }

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

VM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_REPO=$(cd "$VM_LIB_DIR/../.." && pwd)
# shellcheck source=../lib/apt.sh
. "$VM_REPO/scripts/lib/apt.sh"
VM_CACHE=/var/cache/cryo/vm      # built images, one folder per build key; `current` links the newest
VM_STATE=/var/lib/cryo/vm        # the running throw-away VM: disk copy, pidfile, serial log
VM_SSH_DIR=$VM_STATE/ssh         # client key, known_hosts, config (Host cryo-vm, cryo-vm-b)
VM_SSH_PORT=${CRYO_VM_SSH_PORT:-2223}
VM_MEM=${CRYO_VM_MEM:-1024}      # MiB; keep it small, others share this machine
VM_SOCK_B=unix:///run/docker-b.sock

# Boot disk $1 under TCG (not KVM: /dev/kvm here is a nested kvm_pvm that stock kernels do
# not boot under), ssh forwarded from 127.0.0.1:$2 only, restrict=on so the guest reaches
# nothing. Daemonizes; qemu's pid lands in $3. Kernel and initrd come from folder $5.
vm_qemu_start() {
	local disk=$1 port=$2 pidfile=$3 serial=$4 boot=$5 cache=${6:-unsafe}
	if ss -Hltn "sport = :$port" | grep -q .; then
		die "127.0.0.1:$port is already in use (set CRYO_VM_SSH_PORT to another port)"
	fi
	rm -f "$pidfile"
	# tb-size=256: the default 1 GiB translation cache would double qemu's footprint.
	# -nodefaults: no VGA, IDE CD-ROM or floppy for the guest to probe (seconds under TCG).
	qemu-system-x86_64 -name cryo-vm -nodefaults \
		-accel tcg,thread=multi,tb-size=256 -cpu max -m "$VM_MEM" -smp 2 \
		-display none -no-reboot -serial "file:$serial" \
		-kernel "$boot/vmlinuz" -initrd "$boot/initrd.img" \
		-append 'root=/dev/vda rw console=ttyS0 net.ifnames=0' \
		-drive "file=$disk,format=raw,if=virtio,cache=$cache" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
		-device virtio-net-pci,netdev=n0 \
		-pidfile "$pidfile" -daemonize
}

# The pid of the qemu whose pidfile is $1, if it is still that qemu (pids get recycled).
vm_qemu_pid() {
	local pid
	[[ -s $1 ]] || return 1
	pid=$(<"$1")
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "-pidfile $1" || return 1
	echo "$pid"
}

# An ssh client config in folder $1 for port $2: Host cryo-vm (daemon A) and cryo-vm-b
# (the same VM; sessions get DOCKER_HOST of daemon B, which the guest's sshd accepts).
# The host key is known in advance (generated on this side at build time), so the
# config can insist on it: nothing is trusted on first use. Connections are multiplexed
# (a key exchange costs over a second of emulated CPU); the master exits 2 min after
# its last session, or when the VM goes away.
vm_write_ssh_config() {
	local dir=$1 port=$2 alias
	{
		echo "# Cryo VM host (written by scripts/vm/; the VM is started by scripts/vm/start.sh)"
		for alias in cryo-vm cryo-vm-b; do
			cat <<-EOF

				Host $alias
				    HostName 127.0.0.1
				    Port $port
				    User root
				    IdentityFile $dir/id_ed25519
				    IdentitiesOnly yes
				    UserKnownHostsFile $dir/known_hosts
				    HostKeyAlias cryo-vm
				    HostKeyAlgorithms ssh-ed25519
				    StrictHostKeyChecking yes
				    BatchMode yes
				    ConnectTimeout 10
				    ServerAliveInterval 15
				    LogLevel ERROR
				    ControlMaster auto
				    ControlPath $dir/mux-%n
				    ControlPersist 120
			EOF
			[[ $alias == cryo-vm-b ]] && echo "    SetEnv DOCKER_HOST=$VM_SOCK_B"
		done
	} >"$dir/config.tmp"
	mv "$dir/config.tmp" "$dir/config"
}

# Wait until `ssh -F $1 cryo-vm $3` succeeds, at most $2 seconds; qemu pidfile $4 must stay alive.
vm_wait_for() {
	local config=$1 cmd=$3 pidfile=$4 end=$((SECONDS + $2))
	while ((SECONDS < end)); do
		ssh -F "$config" -o ConnectTimeout=5 cryo-vm "$cmd" >/dev/null 2>&1 && return 0
		vm_qemu_pid "$pidfile" >/dev/null || die "qemu exited while waiting for '$cmd'"
		sleep 1
	done
	return 1
}

# Power the guest off over ssh and wait up to $3 s for qemu (pidfile $2) to exit; then kill it.
vm_shutdown() {
	local config=$1 pidfile=$2 wait_s=${3:-60} pid
	pid=$(vm_qemu_pid "$pidfile") || return 0
	# The connection drops as the guest goes down, so ssh's status means nothing here.
	ssh -F "$config" -o ConnectTimeout=5 cryo-vm 'systemctl poweroff' >/dev/null 2>&1 || true
	local how="killed after ${wait_s} s without a clean poweroff"
	for _ in $(seq $((wait_s * 5))); do
		kill -0 "$pid" 2>/dev/null || { how="guest powered off"; break; }
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# The multiplexing masters end with their connection; make sure of it.
	ssh -F "$config" -O exit cryo-vm >/dev/null 2>&1 || true
	ssh -F "$config" -O exit cryo-vm-b >/dev/null 2>&1 || true
	log "qemu $pid: $how"
}

# What images.sh builds the test images from (the same inputs it hashes into each image's
# cryo.source-hash label): the key under which build-image.sh bakes them into the disk.
vm_images_key() {
	cat "$VM_REPO/scripts/provision/images.sh" "$VM_REPO"/test/images/* "${BUSYBOX:-/bin/busybox}" \
		"$VM_LIB_DIR/docker.sh" | sha256sum | cut -c1-64
}

# The test images (scripts/provision/images.sh) into the VM's daemon; images.sh drives
# the guest's docker CLI over ssh (scripts/vm/docker.sh), streaming the rootfs tarballs.
# $1: ssh config, $2: host alias (cryo-vm = daemon A, cryo-vm-b = daemon B).
vm_images() {
	CRYO_VM_SSH_CONFIG=$1 CRYO_VM_HOST=$2 DOCKER="$VM_LIB_DIR/docker.sh" \
		"$VM_REPO/scripts/provision/images.sh" | sed 's/^/  /'
	return "${PIPESTATUS[0]}"
}

# The Debian mirror this machine already uses (scripts/lib/apt.sh), so that nothing
# committed names a host.
vm_debian_mirror() {
	debian_mirror
}
