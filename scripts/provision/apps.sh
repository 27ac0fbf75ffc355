#!/usr/bin/env bash
# Builds cryo-apps:latest, the real applications of the integration tests, from Debian
# packages (no registry): debootstrap --variant=minbase bookworm + the packages below, plus
# Cryo's entry scripts (scripts/provision/apps/), imported with `docker import` into every
# local daemon that answers: A (/var/run/docker.sock), B (/run/docker-b.sock), C
# (/run/docker-c.sock), or into the DOCKER_HOSTs given as arguments.
#
#   apps.sh [--force] [DOCKER_HOST...]
#
# Rebuilt only when the package list or an entry script changes (label cryo.source-hash);
# the debootstrap rootfs (~4 min the first time) and the image tarball are cached in
# /var/cache/cryo/apps. --force rebuilds the image from the cached rootfs and re-imports it
# (delete the rootfs-*.tar there to debootstrap again). Test helpers: test/integration/apps.ts.
#
# Every app is the container's own command (`docker run ... cryo-apps:latest /cryo/APP`):
# CRIU dumps the container's process tree, and a process started by `docker exec` is not
# part of it. Every process runs as root: CRIU in this sandbox (no CAP_SYS_RESOURCE) cannot
# dump a process of another uid. Apps listen on loopback only, so `--network none` works.
# Each writes /ready once it answers (and its client runs). Apps:
#   /cryo/redis       redis-server 127.0.0.1:6379, 10000 keys key:N=value:N (CRYO_REDIS_KEYS),
#                     a client on ONE TCP connection INCRing cryo:counter every 100 ms:
#                     /client.count = redis's answer, /client.error if the connection broke
#                     (a restore without --tcp-established). Check: redis-cli dbsize|get key:42
#   /cryo/mariadb     mariadbd 127.0.0.1:3306 + /run/mysqld/mysqld.sock, table cryo.t (id, v);
#                     no client. Check: mariadb -N -e 'SELECT COUNT(*) FROM cryo.t'
#   /cryo/nginx       nginx master + 2 workers on 127.0.0.1:80 ("cryo nginx ok"), a client
#                     fetching every 200 ms: /client.count = good pages, /client.failures
#   /cryo/postgresql  postgres 127.0.0.1:5432 + /run/postgresql, table t (id, v), cluster made
#                     at build. Check: psql -Atc 'SELECT COUNT(*) FROM t' (PGHOST/PGUSER set)
#   /cryo/web         python3 http.server 127.0.0.1:8080, state in memory (GET /hits,
#                     GET|PUT /kv/KEY), a client GETting /hits every 200 ms: /client.count =
#                     the server's hit number (continues only if its memory survived)
#   /cryo/procs [N]   exactly N counting processes (default 20): /client.count, /procs/I.count
#   /cryo/tty         for `docker run -t`: one loop echoing its count, /client.count
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root (debootstrap needs it)"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/apt.sh
. "$here/../lib/apt.sh"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DOCKER=${DOCKER:-/usr/bin/docker}
IMAGE=cryo-apps:latest
SUITE=bookworm
PACKAGES=(redis-server redis-tools nginx-light python3 mariadb-server mariadb-client postgresql procps)
SRC=$here/apps
CACHE=/var/cache/cryo/apps
DEFAULT_HOSTS=(unix:///var/run/docker.sock unix:///run/docker-b.sock unix:///run/docker-c.sock)

force=0
hosts=()
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	unix://* | tcp://* | ssh://*) hosts+=("$arg") ;;
	*) die "unknown argument '$arg' (use: [--force] [DOCKER_HOST...])" ;;
	esac
done
explicit=${#hosts[@]}
((explicit)) || hosts=("${DEFAULT_HOSTS[@]}")

apt_ensure debootstrap gcc libc6-dev
mkdir -p "$CACHE"
# One build at a time (test-all.sh and a person may run this at once): they share the cache.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
	log "apps: another apps.sh is running, waiting for it"
	flock 9
fi

# The rootfs depends only on the suite and the packages; the image also on the scripts.
base_key=$(printf '%s\n' "$SUITE" minbase "${PACKAGES[@]}" | sha256sum | cut -c1-16)
base=$CACHE/rootfs-$SUITE-$base_key.tar
# This script's comments are left out: editing them must not rebuild the image.
hash=$( (
	echo "$base_key"
	grep -v '^[[:space:]]*#' "${BASH_SOURCE[0]}"
	for f in "$SRC"/*; do echo "== ${f##*/}"; cat "$f"; done
) | sha256sum | cut -c1-64)
final=$CACHE/cryo-apps-${hash:0:16}.tar

label_of() {
	"$DOCKER" -H "$1" image inspect --format '{{index .Config.Labels "cryo.source-hash"}}' "$IMAGE" 2>/dev/null || true
}

build_rootfs() {
	local mirror root t0=$SECONDS
	mirror=$(debian_mirror) || true
	[[ -n $mirror ]] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}"
	root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
	log "apps: debootstrap $SUITE with ${PACKAGES[*]} from $mirror (~4 min, log: $CACHE/debootstrap.log)"
	if ! debootstrap --variant=minbase --include="$(
		IFS=,
		echo "${PACKAGES[*]}"
	)" "$SUITE" "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
		tail -n 20 "$CACHE/debootstrap.log" >&2
		umount -R "$root/proc" "$root/sys" 2>/dev/null || true
		rm -rf --one-file-system "$root"
		die "debootstrap failed, full log: $CACHE/debootstrap.log"
	fi
	# Downloaded .debs and indexes are half the size and useless in the image.
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
	# --numeric-owner: the rootfs's uids (mysql, postgres...) are not this machine's.
	tar -C "$root" --numeric-owner -cf "$base.part" .
	mv "$base.part" "$base"
	rm -rf --one-file-system "$root"
	find "$CACHE" -maxdepth 1 -name "rootfs-*.tar" ! -name "${base##*/}" -delete
	log "apps: rootfs cached in $base ($(du -h "$base" | cut -f1), $((SECONDS - t0)) s)"
}

# The image's rootfs: the cached debootstrap rootfs + /cryo (entry scripts, the uid shim),
# with the databases' data created once here (apps/prepare, chrooted) rather than at every
# container start.
build_tarball() {
	local root t0=$SECONDS
	[[ -s $base ]] || build_rootfs
	root=$(mktemp -d "$CACHE/image.XXXXXX")
	# shellcheck disable=SC2064 # expand now: $root is local
	trap "umount '$root/dev/shm' '$root/proc' 2>/dev/null || true; rm -rf --one-file-system '$root'" EXIT
	tar -C "$root" --numeric-owner -xf "$base"
	mkdir -p "$root/cryo"
	cp "$SRC"/* "$root/cryo/"
	rm "$root/cryo/pguid.c"
	# Linked against bookworm's glibc, the image's too (this machine is bookworm).
	gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$root/cryo/pguid.so" "$SRC/pguid.c"
	mount -t proc proc "$root/proc"
	mount -t tmpfs shm "$root/dev/shm" # postgres's initdb probes POSIX shared memory
	if ! chroot "$root" /cryo/prepare >"$CACHE/prepare.log" 2>&1; then
		cat "$CACHE/prepare.log" >&2
		die "preparing the databases in the image failed (log: $CACHE/prepare.log)"
	fi
	umount "$root/dev/shm" "$root/proc"
	tar -C "$root" --numeric-owner -cf "$final.part" .
	mv "$final.part" "$final"
	rm -rf --one-file-system "$root"
	trap - EXIT
	find "$CACHE" -maxdepth 1 -name "cryo-apps-*.tar" ! -name "${final##*/}" -delete
	log "apps: image tarball $final ($(du -h "$final" | cut -f1), $((SECONDS - t0)) s)"
}

need_build=$force
[[ -s $final ]] || need_build=1
loaded=()
for h in "${hosts[@]}"; do
	if ! "$DOCKER" -H "$h" info >/dev/null 2>&1; then
		((explicit)) && die "no Docker daemon answers on $h"
		log "apps: skipping $h (no daemon answers there)"
		continue
	fi
	if ((!force)) && [[ $(label_of "$h") == "$hash" ]]; then
		log "apps: $IMAGE on $h is current (${hash:0:12})"
		continue
	fi
	if ((need_build)); then
		build_tarball
		need_build=0
	fi
	old=$("$DOCKER" -H "$h" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
	t0=$SECONDS
	"$DOCKER" -H "$h" import \
		--change 'CMD ["/cryo/web"]' \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENV LANG=C.UTF-8' \
		--change 'ENV PGHOST=/run/postgresql' \
		--change 'ENV PGUSER=postgres' \
		--change "LABEL cryo.source-hash=$hash" \
		--change 'LABEL cryo.test-image=apps' \
		--message "cryo application image (Debian $SUITE: ${PACKAGES[*]})" \
		"$final" "$IMAGE" >/dev/null
	new=$("$DOCKER" -H "$h" image inspect --format '{{.Id}}' "$IMAGE")
	if [[ -n $old && $old != "$new" ]]; then
		"$DOCKER" -H "$h" rmi "$old" >/dev/null 2>&1 || true
	fi
	loaded+=("$h")
	log "apps: $IMAGE imported into $h ($((SECONDS - t0)) s, ${hash:0:12})"
done
((${#loaded[@]})) || exit 0
log "apps: $IMAGE $("$DOCKER" -H "${loaded[0]}" image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec) on ${loaded[*]}"
