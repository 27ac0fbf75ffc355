#!/usr/bin/env bash
# Installs what the e2e harness needs to drive a real VS Code (code-server 4.100.3 +
# Debian's chromium through playwright-core), as root on Debian 12, with no internet
# besides Debian's apt mirror and the npm registry. Idempotent: a re-run with everything
# in place only checks and exits (a stamp of the lockfile hash guards the npm install).
#
# Facts behind each step: shared/notes/vscode-in-ci.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
harness="$repo/test/e2e/harness"
# A stable TMPDIR: @vscode/ripgrep looks for its tarball under $TMPDIR, so the cache we
# seed below must be where npm's install scripts will look.
cache_tmp="${CRYO_CACHE_TMP:-/var/cache/cryo/tmp}"
rg_version=1.15.11
rg_tarball="$cache_tmp/vscode-ripgrep-cache-$rg_version/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"

log() { printf '[code-server.sh] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "code-server.sh: run as root (installs Debian packages)" >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
if [ "$node_major" != 20 ]; then
  # code-server 4.100.3's postinstall refuses any other major, and >= 4.103 needs Node 22.
  echo "code-server.sh: Node 20 is required (found: $node_major)" >&2
  exit 1
fi

# --- Debian packages (only the missing ones; apt-get update only when something is missing)
# chromium: the browser playwright-core drives. ripgrep: its rg stands in for the download
# @vscode/ripgrep would attempt. libkrb5-dev, build-essential, python3: native modules
# (kerberos, node-pty, spdlog, argon2, ...) are compiled from source here.
want=(chromium ripgrep libkrb5-dev build-essential python3 fonts-dejavu-core)
missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

# --- ripgrep tarball where @vscode/ripgrep's postinstall looks before it tries to download.
if [ ! -s "$rg_tarball" ]; then
  log "seeding $rg_tarball from /usr/bin/rg"
  mkdir -p "$(dirname "$rg_tarball")"
  tar -C /usr/bin -czf "$rg_tarball.tmp" rg
  mv "$rg_tarball.tmp" "$rg_tarball"
fi

# --- the harness package (code-server + playwright-core), skipped when already complete.
stamp="$harness/node_modules/.cryo-install-stamp"
want_stamp=$(cat "$harness/package.json" "$harness/package-lock.json" <(node --version) | sha256sum | cut -d' ' -f1)
complete() {
  local vs="$harness/node_modules/code-server/lib/vscode"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] &&
    [ -x "$harness/node_modules/.bin/code-server" ] &&
    [ -f "$harness/node_modules/playwright-core/package.json" ] &&
    [ -f "$vs/node_modules/node-pty/build/Release/pty.node" ] &&
    [ -x "$vs/node_modules/@vscode/ripgrep/bin/rg" ] &&
    [ -d "$vs/extensions/node_modules" ]
}
if complete; then
  log "harness node_modules up to date"
else
  log "npm ci in test/e2e/harness (about a minute)"
  start=$(date +%s)
  rm -f "$stamp"
  # unsafe_perm: code-server's postinstall refuses root without it.
  # yes: node-pty's install runs `npx node-gyp`, which would otherwise prompt.
  # allowScripts in harness/package.json lets code-server's postinstall (and argon2) run.
  (
    cd "$harness"
    TMPDIR="$cache_tmp" npm_config_unsafe_perm=true npm_config_yes=true \
      npm ci --no-audit --no-fund --loglevel=error >"$cache_tmp/npm-ci.log" 2>&1
  ) || {
    echo "code-server.sh: npm ci failed; last lines of $cache_tmp/npm-ci.log:" >&2
    tail -n 40 "$cache_tmp/npm-ci.log" >&2
    exit 1
  }
  printf '%s' "$want_stamp" >"$stamp"
  complete || { echo "code-server.sh: install finished but the harness is incomplete" >&2; exit 1; }
  log "harness installed in $(($(date +%s) - start)) s"
fi
