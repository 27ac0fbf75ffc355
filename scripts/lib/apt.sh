# shellcheck shell=bash
# Shared by the provisioning and VM scripts: apt package installs and the Debian mirror.

# Installs the packages that are missing (apt-get update only when something is).
apt_ensure() {
	local missing=() p
	for p in "$@"; do
		[[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) == installed ]] || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	echo "[apt] installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Debian mirror this machine already uses (deb822 or one-line format), so nothing
# here names a host.
debian_mirror() {
	local codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[[ -f $f ]] || continue
			awk -v suite="$codename" '
				function flush() {
					if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " suite " ") && uris != "") {
						split(uris, u, " "); print u[1]
					}
					types = suites = uris = enabled = ""
				}
				/^[ \t]*$/ { flush(); next }
				/^#/ { next }
				{ key = tolower($1); $1 = ""; sub(/^ +/, "") }
				key == "types:" { types = $0 } key == "suites:" { suites = $0 }
				key == "uris:" { uris = $0 } key == "enabled:" { enabled = tolower($0) }
				END { flush() }' "$f"
		done
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[[ -f $f ]] || continue
			# deb [options] URI suite components...
			sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$codename" '$1 == "deb" && $3 == suite { print $2 }'
		done
	} | grep -E '^https?://' | head -n1
}
