#!/usr/bin/env bash
# Stop the Cryo VM host started by start.sh: poweroff over ssh, qemu killed if the guest
# has not gone down within 60 s, and the throw-away disk copy removed. Safe to re-run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

((EUID == 0)) || die "must run as root"
PIDFILE=$VM_STATE/qemu.pid
if vm_qemu_pid "$PIDFILE" >/dev/null; then
	vm_shutdown "$VM_SSH_DIR/config" "$PIDFILE" 60
else
	log "VM not running"
fi
rm -f "$PIDFILE" "$VM_STATE/run.img" "$VM_STATE/port" "$VM_STATE/image"
log "throw-away disk removed"
