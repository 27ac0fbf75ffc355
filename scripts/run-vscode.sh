#!/usr/bin/env bash
# The main job: on a fresh Debian 12 machine, as root, bring up everything Cryo needs and
# serve a real VS Code (code-server) with the freshly built extension installed, opening
# this repository, with a sample container to checkpoint.
#
#   bash scripts/run-vscode.sh          # serve on 127.0.0.1:${CRYO_PORT:-8080} until Ctrl-C
#   bash scripts/run-vscode.sh --check  # smoke test: screenshot of the Cryo view, then exit
#
# Either way a headless-Chromium screenshot of the Cryo view is written to
# artifacts/screenshots/main.png as proof that the extension loaded and sees Docker.
# CRYO_SKIP_PROVISION=1 skips the two provisioning scripts (already provisioned machine).
set -euo pipefail

check=0
for arg in "$@"; do
  case $arg in
    --check) check=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run-vscode.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { printf '[run-vscode] %s\n' "$*"; }
SAMPLE=cryo-sample
SAMPLE_IMAGE=cryo-counter:latest

[ "$(id -u)" = 0 ] || { echo "run-vscode.sh: run as root (provisioning installs packages and starts dockerd)" >&2; exit 1; }

if [ "${CRYO_SKIP_PROVISION:-0}" != 1 ]; then
  say "provisioning the Docker + CRIU host"
  bash scripts/provision/host.sh
  say "provisioning code-server + chromium"
  bash scripts/provision/code-server.sh
fi

# --- build and package the extension (npm ci only when the lockfile changed)
stamp=node_modules/.cryo-install-stamp
want=$(cat package.json package-lock.json <(node --version) | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "node_modules up to date"
else
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  printf '%s' "$want" >"$stamp"
fi
say "building and packaging cryo.vsix"
npm run build --silent
# --no-dependencies: the extension is bundled (dist/extension.cjs); node_modules stays out.
npm run --silent package </dev/null >/dev/null

# --- a sample container to checkpoint
if [ "$(docker inspect -f '{{.State.Running}}' "$SAMPLE" 2>/dev/null)" != true ]; then
  say "starting sample container $SAMPLE ($SAMPLE_IMAGE)"
  docker rm -f "$SAMPLE" >/dev/null 2>&1 || true
  docker run -d --name "$SAMPLE" --network none "$SAMPLE_IMAGE" >/dev/null
else
  say "sample container $SAMPLE is running"
fi

# --- serve VS Code, screenshot the Cryo view
args=(--vsix "$repo/cryo.vsix" --folder "$repo" --expect "$SAMPLE")
if [ "$check" = 1 ]; then
  # A fixed port only when asked for: a person's server may already hold 8080.
  [ -n "${CRYO_PORT:-}" ] && args+=(--port "$CRYO_PORT")
  exec node test/e2e/serve.mjs "${args[@]}" --check
fi
exec node test/e2e/serve.mjs "${args[@]}" --port "${CRYO_PORT:-8080}"
