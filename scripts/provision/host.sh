#!/usr/bin/env bash
# Provision this machine as a Cryo host: packages, a CRIU that works on this kernel,
# an experimental-mode Docker daemon, and the test images. Idempotent: a re-run on a
# provisioned host changes nothing and takes seconds.
#
# Why each step exists is in /work/shared/notes/host-setup.md (Debian 12's criu 3.17
# fails `criu check` on kernels >= 6.13; checkpoints need Docker's experimental mode).
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

# /usr/local/sbin first: our CRIU must win over any distro criu, for us and for the
# dockerd we start (runc looks criu up on the PATH it inherits).
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
((EUID == 0)) || die "must run as root (CRIU, dockerd and apt-get need it)"
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
	die "needs a Debian-like system (apt-get, dpkg-query not found)"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/apt.sh
. "$here/../lib/apt.sh"
export DEBIAN_FRONTEND=noninteractive
DOCKER=/usr/bin/docker # the daemon's own 20.10 client (a newer CLI may sit in /usr/local/bin)
SOCK=unix:///var/run/docker.sock
# 4.2 is the first CRIU that dumps inet sockets on kernels >= 6.16 (4.1.1 asks every socket for
# SO_PASSCRED and fails with "Can't get 1:16 opt"); Debian forky carries its source.
CRIU_VERSION=4.2.1
CRIU_SUITE=forky
CRIU_CACHE=/var/cache/cryo/criu-$CRIU_VERSION

PACKAGES=(
	docker.io busybox-static gcc libc6-dev make xz-utils dpkg-dev iptables
	openssh-server openssh-client procps python3 util-linux mount
	# migration transfer: zstd -1 when both hosts have it (gzip -1 is the fallback)
	zstd
	# CRIU build deps
	libprotobuf-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler python3-protobuf
	libnl-3-dev libcap-dev libnet1-dev libaio-dev libgnutls28-dev libbsd-dev uuid-dev
	pkg-config libnftables-dev
)

# ---------------------------------------------------------------- packages
apt_ensure "${PACKAGES[@]}"
log "packages: all ${#PACKAGES[@]} present"

# ---------------------------------------------------------------- CRIU

# `criu check` passing is not enough: 4.1.1 passes it and still cannot dump a socket here.
CRIU_MIN=4.2
criu_works() {
	local v
	v=$("$1" --version 2>/dev/null | sed -n 's/^Version: *//p')
	[[ -n $v ]] && [[ $(printf '%s\n%s\n' "$CRIU_MIN" "$v" | sort -V | head -n1) == "$CRIU_MIN" ]] || return 1
	"$1" check >/dev/null 2>&1
}

fetch_criu_source() {
	# A private apt state just for that suite's source index: the system's sources, lists
	# and pinning stay untouched, and no binary of that suite can be installed by accident.
	local mirror apt_dir uri_line uri sha file
	mirror=$(debian_mirror) || true
	[[ -n $mirror ]] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}"
	apt_dir=/var/cache/cryo/apt-$CRIU_SUITE-src
	mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial"
	cat >"$apt_dir/sources.list.d/cryo-$CRIU_SUITE-src.sources" <<-EOF
		Types: deb-src
		URIs: $mirror
		Suites: $CRIU_SUITE
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
		-o "Dir::State::Lists=$apt_dir/lists" -o "APT::Get::List-Cleanup=0")
	log "criu: reading $CRIU_SUITE's source index from $mirror"
	apt-get "${opts[@]}" update -qq
	# Only the .orig.tar.xz matters (the .dsc may 404 on some mirrors), so fetch just it,
	# checked against the hash in the signed index.
	uri_line=$(apt-get "${opts[@]}" source --print-uris -qq criu/$CRIU_SUITE | grep "criu_${CRIU_VERSION}.orig.tar.xz" || true)
	[[ -n $uri_line ]] || die "$CRIU_SUITE has no criu_${CRIU_VERSION}.orig.tar.xz (index: $(apt-get "${opts[@]}" source --print-uris -qq criu/$CRIU_SUITE | tr '\n' ' '))"
	read -r uri file _ sha <<<"$uri_line"
	uri=${uri//\'/}
	log "criu: downloading $file"
	/usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$uri" "$CRIU_CACHE/$file.part" "$sha" >/dev/null
	mv "$CRIU_CACHE/$file.part" "$CRIU_CACHE/$file"
	rm -rf "$apt_dir/lists" # 10 MB index, only needed for this one lookup
}

build_criu() {
	local tarball=$CRIU_CACHE/criu_${CRIU_VERSION}.orig.tar.xz build
	mkdir -p "$CRIU_CACHE"
	[[ -s $tarball ]] || fetch_criu_source
	build=$(mktemp -d /tmp/cryo-criu-build.XXXXXX)
	log "criu: building $CRIU_VERSION (make -j$(nproc) criu, ~30 s)"
	tar -C "$build" --strip-components=1 -xJf "$tarball"
	if ! make -C "$build" -j"$(nproc)" criu >"$CRIU_CACHE/build.log" 2>&1; then
		tail -n 30 "$CRIU_CACHE/build.log" >&2
		die "criu build failed, full log: $CRIU_CACHE/build.log"
	fi
	install -m 0755 "$build/criu/criu" "$CRIU_CACHE/criu"
	rm -rf "$build"
}

if criu_bin=$(command -v criu) && criu_works "$criu_bin"; then
	log "criu: keeping $criu_bin ($("$criu_bin" --version | head -n1))"
else
	[[ -n ${criu_bin:-} ]] && log "criu: $criu_bin fails 'criu check', replacing it"
	if [[ -x $CRIU_CACHE/criu ]] && criu_works "$CRIU_CACHE/criu"; then
		log "criu: using cached build $CRIU_CACHE/criu"
	else
		build_criu
	fi
	install -m 0755 "$CRIU_CACHE/criu" /usr/local/sbin/criu
	log "criu: installed /usr/local/sbin/criu"
fi
# mntns-compat-mode in CRIU's config breaks every dump (see notes): refuse to run with it.
if grep -qs '^[^#]*mntns-compat-mode' /etc/criu/default.conf; then
	die "/etc/criu/default.conf sets mntns-compat-mode, which makes every docker checkpoint fail; remove it"
fi
criu_check=$(criu check 2>&1) || die "criu check failed: $criu_check"

# ---------------------------------------------------------------- Docker
set_experimental() {
	local f=/etc/docker/daemon.json
	mkdir -p /etc/docker
	if [[ ! -s $f ]]; then
		echo '{"experimental": true}' >"$f"
		log "docker: wrote $f"
		return
	fi
	python3 - "$f" <<-'EOF'
		import json, sys
		path = sys.argv[1]
		with open(path) as fh:
		    try:
		        cfg = json.load(fh)
		    except ValueError as e:
		        sys.exit(f"[provision] ERROR: {path} is not valid JSON: {e}")
		if cfg.get("experimental") is True:
		    print(f"[provision] docker: {path} already has experimental: true")
		else:
		    cfg["experimental"] = True
		    with open(path + ".tmp", "w") as fh:
		        json.dump(cfg, fh, indent=2)
		        fh.write("\n")
		    import os
		    os.replace(path + ".tmp", path)
		    print(f"[provision] docker: set experimental: true in {path}")
	EOF
}
set_experimental

docker_up() { "$DOCKER" -H "$SOCK" info >/dev/null 2>&1; }

if docker_up; then
	log "docker: daemon already answers on $SOCK"
	# runc finds criu on the PATH dockerd was started with: a daemon started before CRIU
	# was installed (or with a PATH lacking /usr/local/sbin) fails every checkpoint.
	dpid=$(cat /var/run/docker.pid 2>/dev/null || true)
	dpath=$(tr '\0' '\n' <"/proc/${dpid:-0}/environ" 2>/dev/null | sed -n 's/^PATH=//p' || true)
	if [[ -n $dpath ]]; then
		dcriu=$(PATH=$dpath command -v criu || true)
		if [[ -z $dcriu ]] || ! criu_works "$dcriu"; then
			log "WARNING: the running dockerd's PATH ($dpath) has no criu that passes 'criu check' (found: ${dcriu:-none}); checkpoints will fail until dockerd is restarted with /usr/local/sbin on its PATH"
		fi
	fi
else
	log "docker: starting dockerd (log: /var/log/cryo-dockerd.log)"
	# setsid: the daemon must outlive this script and its caller's process group.
	setsid dockerd >>/var/log/cryo-dockerd.log 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 60); do
		docker_up && break
		kill -0 "$pid" 2>/dev/null || { tail -n 20 /var/log/cryo-dockerd.log >&2; die "dockerd exited"; }
		sleep 1
	done
	docker_up || { tail -n 20 /var/log/cryo-dockerd.log >&2; die "dockerd did not answer within 60 s"; }
	log "docker: dockerd up (pid $pid)"
fi
if [[ $("$DOCKER" -H "$SOCK" info --format '{{.ExperimentalBuild}}') != true ]]; then
	die "the running Docker daemon is not in experimental mode (checkpoints answer HTTP 501).
  /etc/docker/daemon.json now has \"experimental\": true; restart the daemon yourself, then re-run."
fi

# ---------------------------------------------------------------- images
DOCKER_HOST=$SOCK DOCKER=$DOCKER "$here/images.sh"

# ---------------------------------------------------------------- summary
log "summary:"
log "  docker: $("$DOCKER" -H "$SOCK" version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}}), experimental {{.Server.Experimental}}')"
log "  criu:   $(command -v criu), $(criu --version | head -n1), check: $(tail -n1 <<<"$criu_check")"
"$DOCKER" -H "$SOCK" images --filter label=cryo.source-hash --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' |
	while read -r line; do log "  image:  $line"; done
