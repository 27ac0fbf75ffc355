#!/usr/bin/env bash
# A second, independent Docker "host" on this machine for migration tests:
#   daemon B   unix:///run/docker-b.sock (data /var/lib/docker-b, exec root /run/docker-b)
#   ssh        127.0.0.1:2222, sessions get DOCKER_HOST=unix:///run/docker-b.sock
#              ssh -F /var/lib/cryo/host-b/ssh/config cryo-host-b docker ps
# Idempotent: what is already up is left alone. Needs host.sh to have run first.
#
#   host-b.sh [--ssh-include]   --ssh-include also adds an Include of the client config
#                               to /root/.ssh/config, so that DOCKER_HOST=ssh://cryo-host-b
#                               works with the docker CLI (which cannot take ssh -F).
# Stop with host-b-stop.sh.
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DOCKER=/usr/bin/docker
for tool in dockerd "$DOCKER" /usr/sbin/sshd ssh-keygen ssh criu; do
	command -v "$tool" >/dev/null || die "$tool missing: run scripts/provision/host.sh first"
done

ssh_include=0
for arg in "$@"; do
	case $arg in
	--ssh-include) ssh_include=1 ;;
	*) die "unknown argument '$arg' (use: [--ssh-include])" ;;
	esac
done

SOCK=unix:///run/docker-b.sock
DATA=/var/lib/docker-b
EXEC=/run/docker-b
PIDFILE=/run/docker-b.pid
CONFIG=/etc/cryo/daemon-b.json
LOGFILE=/var/log/cryo-dockerd-b.log
SSH_DIR=/var/lib/cryo/host-b/ssh
SSH_PORT=2222
started=()

# Write $2 to file $1 only when it differs; returns 0 if the file changed.
write_if_changed() {
	[[ -f $1 && $(<"$1") == "$2" ]] && return 1
	printf '%s\n' "$2" >"$1"
}

# ---------------------------------------------------------------- daemon B
docker_b_up() { "$DOCKER" -H "$SOCK" info >/dev/null 2>&1; }

mkdir -p /etc/cryo "$DATA"
write_if_changed "$CONFIG" '{"experimental": true}' && log "daemon-b: wrote $CONFIG"

if docker_b_up; then
	log "daemon-b: already answers on $SOCK"
else
	# CRIU restores a container's mounts with their sharing; under a private data root the
	# restore fails ("mnt-v2: Failed to copy sharing"). A shared bind mount onto itself
	# fixes it, and it has to exist before the daemon mounts anything below it.
	if ! mountpoint -q "$DATA"; then
		mount --bind "$DATA" "$DATA"
		log "daemon-b: bind-mounted $DATA onto itself"
	fi
	if [[ $(findmnt -no PROPAGATION "$DATA") != shared* ]]; then
		mount --make-shared "$DATA"
		log "daemon-b: made $DATA a shared mount"
	fi
	if [[ -s $PIDFILE ]] && kill -0 "$(<"$PIDFILE")" 2>/dev/null; then
		die "a process ($(<"$PIDFILE")) holds $PIDFILE but $SOCK does not answer; stop it with host-b-stop.sh --daemon-only"
	fi
	log "daemon-b: starting dockerd (log: $LOGFILE)"
	# setsid: the daemon must outlive this script and its caller's process group.
	setsid dockerd --config-file "$CONFIG" --data-root "$DATA" --exec-root "$EXEC" \
		-H "$SOCK" --pidfile "$PIDFILE" --bridge none --iptables=false --ip-masq=false \
		>>"$LOGFILE" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 60); do
		docker_b_up && break
		kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOGFILE" >&2; die "daemon B exited"; }
		sleep 1
	done
	docker_b_up || { tail -n 20 "$LOGFILE" >&2; die "daemon B did not answer within 60 s"; }
	started+=("dockerd B (pid $pid) on $SOCK")
fi
if [[ $(findmnt -no PROPAGATION "$DATA" 2>/dev/null) != shared* ]]; then
	log "WARNING: $DATA is not a shared mount: restores into daemon B will fail; restart it with host-b-stop.sh --daemon-only && host-b.sh"
fi
[[ $("$DOCKER" -H "$SOCK" info --format '{{.ExperimentalBuild}}') == true ]] ||
	die "daemon B runs without experimental mode; restart it with host-b-stop.sh --daemon-only && host-b.sh"

DOCKER_HOST=$SOCK DOCKER=$DOCKER "$here/images.sh"

# ---------------------------------------------------------------- sshd B
mkdir -p "$SSH_DIR" /run/sshd
chmod 700 "$SSH_DIR"
for key in ssh_host_ed25519_key id_ed25519; do
	if [[ ! -s $SSH_DIR/$key ]]; then
		ssh-keygen -q -t ed25519 -N '' -C "cryo-host-b-$key" -f "$SSH_DIR/$key"
		log "sshd-b: generated $SSH_DIR/$key"
	fi
done
write_if_changed "$SSH_DIR/authorized_keys" "$(<"$SSH_DIR/id_ed25519.pub")" || true
host_pub=$(cut -d' ' -f1,2 "$SSH_DIR/ssh_host_ed25519_key.pub")
write_if_changed "$SSH_DIR/known_hosts" "[127.0.0.1]:$SSH_PORT $host_pub" || true

client_block() {
	cat <<-EOF
		Host $1
		    HostName 127.0.0.1
		    Port $SSH_PORT
		    User root
		    IdentityFile $SSH_DIR/id_ed25519
		    UserKnownHostsFile $SSH_DIR/known_hosts
		    IdentitiesOnly yes
		    StrictHostKeyChecking yes
		    BatchMode yes
	EOF
}
write_if_changed "$SSH_DIR/config" "# Cryo host B (written by scripts/provision/host-b.sh)
$(client_block cryo-host-b)

$(client_block 127.0.0.1)" || true

# HOME: B stands for another machine, so its sessions do not run this machine's root dotfiles.
# Here root's .bashrc runs pyenv's init, which rehashes under a lock file in every ssh session;
# a session killed mid-rehash (the ssh fault tests cut sessions) left that lock, and every later
# login waited 60 s for it (all ssh tests failed, twice in a day).
mkdir -p "$SSH_DIR/home"
sshd_config="# Cryo host B's private sshd (written by scripts/provision/host-b.sh)
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $SSH_DIR/ssh_host_ed25519_key
AuthorizedKeysFile $SSH_DIR/authorized_keys
PidFile $SSH_DIR/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
SetEnv DOCKER_HOST=$SOCK HOME=$SSH_DIR/home"
config_changed=0
write_if_changed "$SSH_DIR/sshd_config" "$sshd_config" && config_changed=1
/usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || die "sshd rejects $SSH_DIR/sshd_config"

# Without PAM, sshd refuses accounts whose password is locked ("!...") even for keys.
if [[ $(getent shadow root | cut -d: -f2) == '!'* ]]; then
	die "root's password is locked ('!' in /etc/shadow), so sshd (UsePAM no) refuses key logins; run: usermod -p '*' root"
fi

sshd_pid() {
	local pid
	[[ -s $SSH_DIR/sshd.pid ]] || return 1
	pid=$(<"$SSH_DIR/sshd.pid")
	# Only our sshd: the pid could have been recycled since.
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$SSH_DIR/sshd_config" || return 1
	echo "$pid"
}

if pid=$(sshd_pid) && ((config_changed)); then
	kill "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	log "sshd-b: config changed, stopped the old sshd (pid $pid)"
fi
if pid=$(sshd_pid); then
	log "sshd-b: already running (pid $pid) on 127.0.0.1:$SSH_PORT"
else
	/usr/sbin/sshd -f "$SSH_DIR/sshd_config" # daemonizes itself
	for _ in $(seq 50); do pid=$(sshd_pid) && break; sleep 0.1; done
	pid=$(sshd_pid) || die "sshd-b did not start (try: /usr/sbin/sshd -D -e -f $SSH_DIR/sshd_config)"
	started+=("sshd B (pid $pid) on 127.0.0.1:$SSH_PORT")
fi

if ((ssh_include)); then
	mkdir -p /root/.ssh
	chmod 700 /root/.ssh
	touch /root/.ssh/config
	if ! grep -qxF "Include $SSH_DIR/config" /root/.ssh/config; then
		# Include must come before any Host block to apply globally.
		{ echo "Include $SSH_DIR/config"; cat /root/.ssh/config; } >/root/.ssh/config.cryo-tmp
		mv /root/.ssh/config.cryo-tmp /root/.ssh/config
		log "ssh: added 'Include $SSH_DIR/config' to /root/.ssh/config"
	fi
fi

# ---------------------------------------------------------------- verify
exp=$(ssh -F "$SSH_DIR/config" cryo-host-b "docker info --format '{{.ExperimentalBuild}}'") ||
	die "ssh -F $SSH_DIR/config cryo-host-b docker info failed"
[[ $exp == true ]] || die "over ssh, daemon B reports experimental=$exp"
images=$("$DOCKER" -H "$SOCK" images --filter label=cryo.source-hash --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')

if ((${#started[@]})); then
	for s in "${started[@]}"; do log "started: $s"; done
else
	log "nothing to start: daemon B and sshd B were already up"
fi
log "daemon B: DOCKER_HOST=$SOCK (data $DATA, runc root $EXEC/runtime-runc/moby)"
log "ssh:      ssh -F $SSH_DIR/config cryo-host-b docker ps   (experimental over ssh: $exp)"
log "images:   $images"
