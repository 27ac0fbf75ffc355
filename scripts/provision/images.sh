#!/usr/bin/env bash
# Build Cryo's test images without any registry (none is reachable), into whichever
# daemon DOCKER_HOST points at (local socket, a second daemon, or ssh://).
#
#   images.sh [--force] [NAME...]      NAME: counter memhog forker (default: all)
#
# Each image is busybox-static + symlinks + (for C workloads) a `gcc -static` binary,
# imported with `docker import`. A label cryo.source-hash (sha256 of this script, the
# image's source and busybox) lets re-runs skip images that are already current.
set -euo pipefail

log() { echo "[provision] $*"; }
die() { echo "[provision] ERROR: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../../test/images" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"

# The daemon's own 20.10 client, for predictable behaviour; any docker CLI works.
DOCKER=${DOCKER:-/usr/bin/docker}
[[ -x $DOCKER ]] || DOCKER=$(command -v docker) || die "no docker CLI found"
BUSYBOX=${BUSYBOX:-/bin/busybox}

force=0
names=()
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	counter | memhog | forker) names+=("$arg") ;;
	*) die "unknown argument '$arg' (use: [--force] [counter|memhog|forker]...)" ;;
	esac
done
((${#names[@]})) || names=(counter memhog forker)

[[ -x $BUSYBOX ]] || die "$BUSYBOX missing (apt-get install busybox-static)"
# A dynamic busybox would not run inside an image without its libraries.
! ldd "$BUSYBOX" >/dev/null 2>&1 || die "$BUSYBOX is not static (install busybox-static)"
command -v gcc >/dev/null || die "gcc missing (apt-get install gcc libc6-dev)"

APPLETS="sh ash sleep usleep echo printf cat ls ps kill true false test [ date env id pwd
hostname uname mkdir rmdir rm cp mv ln touch chmod stat readlink basename dirname head
tail wc grep sed awk cut tr sort uniq seq tee xargs find du df free top dd sync sha256sum
md5sum timeout expr yes"

work=$(mktemp -d /tmp/cryo-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Per image: the source file, where it goes in the rootfs, and the default CMD.
spec() {
	case $1 in
	counter) echo 'counter.sh|/counter.sh|["/bin/sh","/counter.sh"]' ;;
	memhog) echo 'memhog.c|/memhog|["/memhog","16","0"]' ;;
	forker) echo 'forker.c|/forker|["/forker","5"]' ;;
	esac
}

label_of() {
	"$DOCKER" image inspect --format '{{index .Config.Labels "cryo.source-hash"}}' "$1" 2>/dev/null || true
}

for name in "${names[@]}"; do
	IFS='|' read -r file dest cmd <<<"$(spec "$name")"
	image="cryo-$name:latest"
	# count.h is shared by the C workloads, so it is one of their inputs too.
	inputs=("$self" "$src/$file" "$BUSYBOX")
	[[ $file == *.c ]] && inputs+=("$src/count.h")
	hash=$(cat "${inputs[@]}" | sha256sum | cut -c1-64)

	if ((!force)) && [[ $(label_of "$image") == "$hash" ]]; then
		log "image $image is current (${hash:0:12})"
		continue
	fi

	root="$work/$name"
	mkdir -p "$root"/{bin,dev,proc,sys,etc,root,tmp}
	chmod 1777 "$root/tmp"
	cp "$BUSYBOX" "$root/bin/busybox"
	for applet in $APPLETS; do ln -s busybox "$root/bin/$applet"; done
	case $file in
	*.c) gcc -static -O2 -Wall -Wextra -Werror -I "$src" -o "$root$dest" "$src/$file" ;;
	*) install -m 0755 "$src/$file" "$root$dest" ;;
	esac

	old=$("$DOCKER" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
	# Fixed owner/order/mtime: the same inputs give the same layer.
	tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -c . |
		"$DOCKER" import \
			--change "CMD $cmd" \
			--change "ENV PATH=/bin" \
			--change "LABEL cryo.source-hash=$hash" \
			--change "LABEL cryo.test-image=$name" \
			--message "cryo test image $name" \
			- "$image" >/dev/null
	log "image $image built (${hash:0:12}), CMD $cmd"

	# The previous build is now untagged: drop it unless a container still uses it.
	new=$("$DOCKER" image inspect --format '{{.Id}}' "$image")
	if [[ -n $old && $old != "$new" ]]; then
		"$DOCKER" rmi "$old" >/dev/null 2>&1 || true
	fi
done
