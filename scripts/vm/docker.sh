#!/usr/bin/env bash
# The VM's docker CLI, run over ssh: `scripts/vm/docker.sh ps` = `docker ps` in the VM.
# stdin/stdout pass through, so `tar ... | docker.sh import - img` streams into the VM.
# Used as DOCKER= for scripts/provision/images.sh.
#   CRYO_VM_HOST=cryo-vm-b   talk to the VM's daemon B instead of daemon A
#   CRYO_VM_SSH_CONFIG=...   another client config (default /var/lib/cryo/vm/ssh/config)
set -euo pipefail
config=${CRYO_VM_SSH_CONFIG:-/var/lib/cryo/vm/ssh/config}
args=()
# ssh hands the remote side one command string: quote each argument for the guest's bash.
for a in "$@"; do args+=("$(printf '%q' "$a")"); done
exec ssh -F "$config" "${CRYO_VM_HOST:-cryo-vm}" docker "${args[@]}"
