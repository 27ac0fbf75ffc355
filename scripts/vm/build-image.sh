#!/usr/bin/env bash
# Build the Cryo VM host image: Debian 12 with its stock kernel (soft-dirty tracking, so
# CRIU pre-dump works there, unlike on this machine's kernel), docker.io in experimental
# mode, criu, sshd with keys made here, and Cryo's test images already in both daemons.
#
#   build-image.sh        prints nothing new and takes ~1 s when the cache is current
#
# Result, under /var/cache/cryo/vm/<key>/ (key = hash of this script; `current` links it):
#   vmlinuz initrd.img disk.img (raw, sparse)   ssh/{id_ed25519,known_hosts}   images.stamp
# The test images are baked by booting the disk once and running images.sh into it over
# ssh; images.stamp holds the hash of their sources, and a change there re-bakes only.
# Facts behind every step: /work/shared/notes/vm-host.md. Env: CRYO_VM_BUILD_SSH_PORT
# (default 2224) is the loopback port of the one boot that bakes the images.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

((EUID == 0)) || die "must run as root (debootstrap, chroot, qemu)"
command -v apt-get >/dev/null || die "needs a Debian-like system (no apt-get)"
export DEBIAN_FRONTEND=noninteractive
started=$SECONDS

HOST_PACKAGES=(qemu-system-x86 debootstrap e2fsprogs openssh-client busybox-static gcc libc6-dev iproute2 util-linux)
# apparmor: without apparmor_parser, `docker run` fails in a kernel that has AppArmor on.
GUEST_PACKAGES=linux-image-amd64,initramfs-tools,systemd-sysv,udev,kmod,openssh-server,docker.io,criu,busybox-static,iproute2,procps,iptables,ca-certificates,apparmor
DISK_SIZE=8G # sparse: ~1.1 GiB is really used; the rest is room for checkpoints
BAKE_PORT=${CRYO_VM_BUILD_SSH_PORT:-2224}

key=$(sha256sum "$here/build-image.sh" | cut -c1-16)
out=$VM_CACHE/$key

# ---------------------------------------------------------------- host packages
missing=()
for p in "${HOST_PACKAGES[@]}"; do
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$VM_CACHE"
exec 9>"$VM_CACHE/.lock"
flock -w 3600 9 || die "another build holds $VM_CACHE/.lock"

# ---------------------------------------------------------------- rootfs
configure_rootfs() {
	local r=$1 keys=$2
	echo cryo-vm >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tcryo-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
	echo '/dev/vda / ext4 defaults 0 1' >"$r/etc/fstab"

	install -d -m 700 "$r/root/.ssh"
	install -m 600 "$keys/ssh/id_ed25519.pub" "$r/root/.ssh/authorized_keys"
	# Our host key only, made on this side: the client knows it before the first boot.
	rm -f "$r"/etc/ssh/ssh_host_*
	install -m 600 "$keys/ssh_host_ed25519_key" "$r/etc/ssh/ssh_host_ed25519_key"
	install -m 644 "$keys/ssh_host_ed25519_key.pub" "$r/etc/ssh/ssh_host_ed25519_key.pub"
	cat >"$r/etc/ssh/sshd_config.d/cryo.conf" <<-'EOF'
		# Cryo VM (scripts/vm/build-image.sh)
		HostKey /etc/ssh/ssh_host_ed25519_key
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UseDNS no
		# ssh cryo-vm-b sends DOCKER_HOST=unix:///run/docker-b.sock (daemon B)
		AcceptEnv DOCKER_HOST
		# Tests multiplex many sessions over one connection, and connect in parallel.
		MaxSessions 64
		MaxStartups 64
	EOF

	# DHCP from qemu's user network; nothing waits for "online".
	cat >"$r/etc/systemd/network/20-dhcp.network" <<-'EOF'
		[Match]
		Name=en* eth*

		[Network]
		DHCP=ipv4
	EOF
	chroot "$r" systemctl enable -q systemd-networkd
	local unit
	for unit in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer e2scrub_all.timer fstrim.timer logrotate.timer man-db.timer; do
		ln -sfn /dev/null "$r/etc/systemd/system/$unit"
	done
	# A throw-away VM: the journal lives in RAM (the serial log has the boot).
	mkdir -p "$r/etc/systemd/journald.conf.d"
	printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' >"$r/etc/systemd/journald.conf.d/cryo.conf"

	# Only the modules a virtio disk needs in the initrd: 7 instead of 36 MB, and the
	# kernel is in userspace after ~8 s instead of ~18 s under TCG.
	sed -i -e 's/^MODULES=.*/MODULES=list/' -e 's/^COMPRESS=.*/COMPRESS=gzip/' -e 's/^FSTYPE=.*/FSTYPE=ext4/' \
		"$r/etc/initramfs-tools/initramfs.conf"
	printf 'virtio_pci\nvirtio_blk\next4\n' >>"$r/etc/initramfs-tools/modules"
	chroot "$r" update-initramfs -u -k all >/dev/null

	# Checkpoints need experimental mode. No iptables: the guest reaches nothing anyway
	# (restrict=on), and docker's ~40 iptables calls cost ~12 s of every boot under TCG.
	mkdir -p "$r/etc/docker"
	echo '{"experimental": true, "iptables": false}' >"$r/etc/docker/daemon.json"
	# Daemon B, a second "host" in the same VM for migration tests (host B of
	# host-setup.md). Its data root must be a shared mount or restores into it fail
	# ("mnt-v2: Failed to copy sharing"). It uses the system containerd (dockerd would
	# anyway, since one runs), under its own namespace so the daemons never see each
	# other's tasks; its runc root is therefore /run/docker-b/runtime-runc/moby-b.
	echo '{"experimental": true}' >"$r/etc/docker/daemon-b.json"
	cat >"$r/etc/systemd/system/docker-b.service" <<-'EOF'
		[Unit]
		Description=Cryo daemon B (second Docker daemon, unix:///run/docker-b.sock)
		After=containerd.service docker.service
		Requires=containerd.service

		[Service]
		Type=notify
		ExecStartPre=/bin/mkdir -p /var/lib/docker-b
		ExecStartPre=/bin/sh -c 'mountpoint -q /var/lib/docker-b || mount --bind /var/lib/docker-b /var/lib/docker-b'
		ExecStartPre=/bin/mount --make-shared /var/lib/docker-b
		ExecStart=/usr/sbin/dockerd --config-file /etc/docker/daemon-b.json --data-root /var/lib/docker-b --exec-root /run/docker-b -H unix:///run/docker-b.sock --pidfile /run/docker-b.pid --bridge none --iptables=false --ip-masq=false --containerd /run/containerd/containerd.sock --containerd-namespace moby-b --containerd-plugins-namespace plugins.moby-b
		TimeoutStartSec=180
		KillMode=process
		Delegate=yes
		LimitNOFILE=infinity
	EOF

	rm -f "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*_Packages 2>/dev/null || true
}

build_base() {
	local tmp=$VM_CACHE/$key.partial mirror
	if [[ -d $tmp ]]; then
		# A killed debootstrap can leave proc/sys mounted inside: never rm -rf through them.
		findmnt -rno TARGET | grep -F "$tmp/" | sort -r | xargs -r -n1 umount -l
		rm -rf "$tmp"
	fi
	mkdir -p "$tmp/ssh"
	mirror=$(vm_debian_mirror) || true
	[[ -n $mirror ]] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}"

	local t=$SECONDS
	log "debootstrap bookworm from $mirror (~3 min; log: $tmp/debootstrap.log)"
	if ! debootstrap --variant=minbase --include="$GUEST_PACKAGES" bookworm "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
		tail -n 20 "$tmp/debootstrap.log" >&2
		die "debootstrap failed (full log: $tmp/debootstrap.log)"
	fi
	log "debootstrap done in $((SECONDS - t)) s"

	ssh-keygen -q -t ed25519 -N '' -C cryo-vm-host -f "$tmp/ssh_host_ed25519_key"
	ssh-keygen -q -t ed25519 -N '' -C cryo-vm-client -f "$tmp/ssh/id_ed25519"
	echo "cryo-vm $(cut -d' ' -f1,2 "$tmp/ssh_host_ed25519_key.pub")" >"$tmp/ssh/known_hosts"
	configure_rootfs "$tmp/rootfs" "$tmp"
	rm -f "$tmp/ssh_host_ed25519_key" # the private half lives only in the disk image

	local kernels=("$tmp"/rootfs/boot/vmlinuz-*) initrds=("$tmp"/rootfs/boot/initrd.img-*)
	if ! ((${#kernels[@]} == 1 && ${#initrds[@]} == 1)) || [[ ! -f ${kernels[0]} || ! -f ${initrds[0]} ]]; then
		die "expected one kernel and one initrd in rootfs/boot, found: ${kernels[*]} ${initrds[*]}"
	fi
	cp "${kernels[0]}" "$tmp/vmlinuz"
	cp "${initrds[0]}" "$tmp/initrd.img"
	basename "${kernels[0]}" >"$tmp/kernel-version"

	t=$SECONDS
	findmnt -rno TARGET | grep -qF "$tmp/rootfs/" && die "something is still mounted under $tmp/rootfs"
	truncate -s "$DISK_SIZE" "$tmp/disk.img"
	mkfs.ext4 -q -F -L cryo-vm -d "$tmp/rootfs" "$tmp/disk.img"
	log "disk.img made in $((SECONDS - t)) s"
	rm -rf "$tmp/rootfs"

	rm -rf "$out"
	mv "$tmp" "$out"
	touch "$out/base.done"
}

if [[ -e $out/base.done ]]; then
	:
else
	build_base
fi

# ---------------------------------------------------------------- test images
kill_bake_vm() {
	local pid
	if pid=$(vm_qemu_pid "$out/bake.pid"); then kill -KILL "$pid"; fi
}

bake_images() {
	local want=$1 pidfile=$out/bake.pid config=$out/ssh/config t=$SECONDS
	log "baking the test images into disk.img (one boot on 127.0.0.1:$BAKE_PORT, ~2 min)"
	vm_write_ssh_config "$out/ssh" "$BAKE_PORT"
	rm -f "$out/images.stamp"
	# The cached disk itself is booted (not a copy): what the boot writes is what we keep.
	vm_qemu_start "$out/disk.img" "$BAKE_PORT" "$pidfile" "$out/bake-serial.log" "$out" writeback
	trap 'kill_bake_vm' EXIT
	vm_wait_for "$config" 180 true "$pidfile" || die "no ssh within 180 s (serial log: $out/bake-serial.log)"
	log "bake boot: ssh after $((SECONDS - t)) s"
	vm_wait_for "$config" 180 'docker info' "$pidfile" || die "dockerd in the VM did not answer within 180 s"
	log "bake boot: docker after $((SECONDS - t)) s"
	ssh -F "$config" cryo-vm 'systemctl start docker-b && docker -H unix:///run/docker-b.sock info >/dev/null' ||
		die "daemon B did not start in the VM"
	local t1=$SECONDS
	vm_images "$config" cryo-vm
	log "bake boot: images into daemon A in $((SECONDS - t1)) s"
	t1=$SECONDS
	vm_images "$config" cryo-vm-b
	log "bake boot: images into daemon B in $((SECONDS - t1)) s"
	ssh -F "$config" cryo-vm 'systemctl stop docker-b docker docker.socket containerd; sync'
	vm_shutdown "$config" "$pidfile" 90
	trap - EXIT
	rm -f "$pidfile"
	echo "$want" >"$out/images.stamp"
	log "images baked in $((SECONDS - t)) s"
}

want=$(vm_images_key)
if [[ $(cat "$out/images.stamp" 2>/dev/null || true) != "$want" ]]; then
	bake_images "$want"
fi

# ---------------------------------------------------------------- publish, prune
ln -sfn "$key" "$VM_CACHE/current.tmp"
mv -T "$VM_CACHE/current.tmp" "$VM_CACHE/current"
for old in "$VM_CACHE"/*; do
	case ${old##*/} in
	"$key" | current) ;;
	*)
		if [[ -d $old ]]; then
			findmnt -rno TARGET | grep -qF "$old/" && continue
			rm -rf "$old"
			log "removed old build ${old##*/}"
		fi
		;;
	esac
done
log "image $key ready ($(cat "$out/kernel-version"), $(du -sh --apparent-size "$out/disk.img" | cut -f1) disk, $(du -sh "$out/disk.img" | cut -f1) used) in $((SECONDS - started)) s: $out"
