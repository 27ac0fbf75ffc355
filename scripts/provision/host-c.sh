#!/usr/bin/env bash
# A third Docker "host" on this machine: today's Docker, for the Docker 28 tests.
#   daemon C   unix:///run/docker-c.sock (data /var/lib/docker-c, exec root /run/docker-c)
#              Docker 28.5.2 + containerd 2.1 from Debian forky's docker.io/containerd
#              packages, unpacked (dpkg -x) into /var/cache/cryo/docker-28.5.2: nothing is
#              installed into the system, and the system's apt sources stay untouched.
#              runc is bookworm's 1.1.5 (/usr/sbin/runc): forky's runc needs GLIBC_2.38,
#              while dockerd, containerd and the shim need only GLIBC_2.34.
#   use        docker -H unix:///run/docker-c.sock version
# Idempotent: what is already up is left alone; the download is cached. Needs host.sh first
# (CRIU in /usr/local/sbin, docker.io's runc). Stop with host-c-stop.sh.
#
# Docker 28 checkpoints, but cannot restore into a container that has its own network
# namespace (moby issue 50750); see /work/shared/notes/modern-stack.md.
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/apt.sh
. "$here/../lib/apt.sh"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DOCKER=/usr/bin/docker # the 20.10 client talks to 28.x fine (API negotiation)
for tool in "$DOCKER" /usr/sbin/runc criu dpkg-deb /usr/lib/apt/apt-helper; do
	command -v "$tool" >/dev/null || die "$tool missing: run scripts/provision/host.sh first"
done

DOCKER_VERSION=28.5.2
SUITE=forky
PKGS=(docker.io containerd)
CACHE=/var/cache/cryo/docker-$DOCKER_VERSION
BIN=$CACHE/bin # what daemon C's PATH sees: only the 28.x binaries, never a runc
SOCK=unix:///run/docker-c.sock
DATA=/var/lib/docker-c
EXEC=/run/docker-c
PIDFILE=/run/docker-c.pid
CONFIG=/etc/cryo/daemon-c.json
LOGFILE=/var/log/cryo-dockerd-c.log
started=()

write_if_changed() {
	[[ -f $1 && $(<"$1") == "$2" ]] && return 1
	printf '%s\n' "$2" >"$1"
}

# ---------------------------------------------------------------- binaries
# Downloads forky's .debs through a private apt state (its own sources, lists and caches),
# each checked against the hash in the signed index, and unpacks them into $CACHE/root.
fetch_docker() {
	local mirror apt_dir arch deb uri file sha
	mirror=$(debian_mirror) || true
	[[ -n $mirror ]] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}"
	arch=$(dpkg --print-architecture)
	apt_dir=/var/cache/cryo/apt-$SUITE-bin
	mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache" "$CACHE/debs"
	cat >"$apt_dir/sources.list.d/cryo-$SUITE.sources" <<-EOF
		Types: deb
		URIs: $mirror
		Suites: $SUITE
		Components: main
		Architectures: $arch
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
		-o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
		-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Get::List-Cleanup=0")
	log "daemon-c: reading $SUITE's package index from $mirror"
	apt-get "${opts[@]}" update -qq
	for deb in "${PKGS[@]}"; do
		# --print-uris: fetch exactly the suite's version with apt-helper, checked by hash.
		read -r uri file _ sha < <(apt-get "${opts[@]}" download --print-uris -qq "$deb/$SUITE") ||
			die "$SUITE has no package $deb"
		uri=${uri//\'/}
		log "daemon-c: downloading $file"
		/usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$uri" "$CACHE/debs/$file.part" "$sha" >/dev/null
		mv "$CACHE/debs/$file.part" "$CACHE/debs/$file"
	done
	rm -rf "$apt_dir/lists" # ~50 MB of index, only needed for this one lookup
	ls "$CACHE"/debs/docker.io_"$DOCKER_VERSION"[+-]*.deb >/dev/null 2>&1 ||
		die "$SUITE's docker.io is not $DOCKER_VERSION any more ($(ls "$CACHE/debs")); update DOCKER_VERSION in $0"
}

unpack_docker() {
	local root=$CACHE/root.tmp f
	rm -rf "$root"
	mkdir -p "$root"
	for f in "$CACHE"/debs/*.deb; do dpkg-deb -x "$f" "$root"; done
	rm -rf "$CACHE/root" "$BIN"
	mv "$root" "$CACHE/root"
	rm -rf "$BIN.tmp"
	mkdir -p "$BIN.tmp"
	# Only what dockerd runs by name; no runc here, so bookworm's /usr/sbin/runc is found.
	# (docker.io 28 has no CLI: the host's client talks to it.)
	for f in dockerd docker-proxy docker-init containerd containerd-shim-runc-v2 ctr; do
		local p
		p=$(find "$CACHE/root/usr" -name "$f" \( -type f -o -type l \) -perm -u+x | head -n1)
		[[ -n $p ]] || die "$f not found in the unpacked ${PKGS[*]} ($CACHE/root)"
		ln -s "$p" "$BIN.tmp/$f"
	done
	mv "$BIN.tmp" "$BIN"
}

binaries_ok() {
	[[ -x $BIN/dockerd && -x $BIN/containerd && -x $BIN/containerd-shim-runc-v2 ]] &&
		"$BIN/dockerd" --version 2>/dev/null | grep -q "version $DOCKER_VERSION"
}

if binaries_ok; then
	log "daemon-c: using cached Docker $DOCKER_VERSION in $CACHE"
else
	ls "$CACHE"/debs/docker.io_*.deb "$CACHE"/debs/containerd_*.deb >/dev/null 2>&1 || fetch_docker
	unpack_docker
	binaries_ok || die "$BIN/dockerd does not run or is not $DOCKER_VERSION: $("$BIN/dockerd" --version 2>&1 | head -n3)"
	log "daemon-c: unpacked $("$BIN/dockerd" --version), $("$BIN/containerd" --version | cut -d' ' -f1-3) into $CACHE"
fi

# ---------------------------------------------------------------- daemon C
docker_c_up() { "$DOCKER" -H "$SOCK" info >/dev/null 2>&1; }

mkdir -p /etc/cryo "$DATA"
write_if_changed "$CONFIG" '{"experimental": true}' && log "daemon-c: wrote $CONFIG"

if docker_c_up; then
	log "daemon-c: already answers on $SOCK"
else
	# As for host B: CRIU restores mounts with their sharing, so the data root must be a
	# shared mount before the daemon mounts anything below it.
	if ! mountpoint -q "$DATA"; then
		mount --bind "$DATA" "$DATA"
		log "daemon-c: bind-mounted $DATA onto itself"
	fi
	if [[ $(findmnt -no PROPAGATION "$DATA") != shared* ]]; then
		mount --make-shared "$DATA"
		log "daemon-c: made $DATA a shared mount"
	fi
	if [[ -s $PIDFILE ]] && kill -0 "$(<"$PIDFILE")" 2>/dev/null; then
		die "a process ($(<"$PIDFILE")) holds $PIDFILE but $SOCK does not answer; stop it with host-c-stop.sh"
	fi
	log "daemon-c: starting dockerd $DOCKER_VERSION (log: $LOGFILE)"
	# PATH: /usr/local/sbin first so runc finds CRIU 4.2.1; $BIN before /usr/bin so dockerd
	# starts the 2.x containerd (not bookworm's 1.6) and containerd finds the 2.x shim.
	# setsid: the daemon must outlive this script and its caller's process group.
	PATH="/usr/local/sbin:$BIN:/usr/sbin:/usr/bin:/sbin:/bin" setsid "$BIN/dockerd" \
		--config-file "$CONFIG" --data-root "$DATA" --exec-root "$EXEC" \
		-H "$SOCK" --pidfile "$PIDFILE" --bridge none --iptables=false --ip-masq=false \
		>>"$LOGFILE" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 60); do
		docker_c_up && break
		kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOGFILE" >&2; die "daemon C exited"; }
		sleep 1
	done
	docker_c_up || { tail -n 20 "$LOGFILE" >&2; die "daemon C did not answer within 60 s"; }
	started+=("dockerd C $DOCKER_VERSION (pid $pid) on $SOCK")
fi
if [[ $(findmnt -no PROPAGATION "$DATA" 2>/dev/null) != shared* ]]; then
	log "WARNING: $DATA is not a shared mount: restores into daemon C will fail; restart it with host-c-stop.sh && host-c.sh"
fi
[[ $("$DOCKER" -H "$SOCK" info --format '{{.ExperimentalBuild}}') == true ]] ||
	die "daemon C runs without experimental mode; restart it with host-c-stop.sh && host-c.sh"
server=$("$DOCKER" -H "$SOCK" version --format '{{.Server.Version}}')
[[ $server == "$DOCKER_VERSION"* ]] ||
	die "daemon C on $SOCK is Docker $server, not $DOCKER_VERSION; restart it with host-c-stop.sh && host-c.sh"
# The containerd and runc daemon C really runs (not just what is on disk).
components=$("$DOCKER" -H "$SOCK" version --format '{{range .Server.Components}}{{.Name}} {{.Version}}; {{end}}')
grep -q 'containerd 2\.' <<<"$components" || die "daemon C runs another containerd ($components); restart it with host-c-stop.sh && host-c.sh"

DOCKER_HOST=$SOCK DOCKER=$DOCKER "$here/images.sh"

images=$("$DOCKER" -H "$SOCK" images --filter label=cryo.source-hash --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')
if ((${#started[@]})); then
	for s in "${started[@]}"; do log "started: $s"; done
else
	log "nothing to start: daemon C was already up"
fi
log "daemon C: DOCKER_HOST=$SOCK (Docker $server; $components data $DATA, runc root $EXEC/runtime-runc/moby)"
log "images:   $images"
