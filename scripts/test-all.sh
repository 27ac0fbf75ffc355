#!/usr/bin/env bash
# Runs every Cryo test on a fresh Debian 12 machine as root: provisions the hosts the tests
# use (Docker + CRIU, a second daemon behind a private sshd, a third daemon running Docker 28,
# the application image built from Debian packages, code-server + chromium), builds
# the extension, then unit, integration, extension-host and UI tests. `npm test` runs this;
# so does .ci/run. Each phase's output is kept under artifacts/test-logs/.
#
# CRYO_SKIP_PROVISION=1 skips the provisioning (for a quick re-run on a provisioned machine).
# CRYO_VM=0 skips the stock-kernel VM host (scripts/vm/: ~8 min to build once, ~45 s to boot)
# and the pre-dump tests that need it; by default they run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
logs="$repo/artifacts/test-logs"
mkdir -p "$logs"
passed=0
failed=0
failures=()

say() { printf '\n==== %s\n' "$*"; }

# Runs one phase, tees its output, and adds its node:test / mocha counts to the totals.
phase() {
  local name=$1
  shift
  say "$name"
  local log="$logs/$name.log" rc=0
  "$@" 2>&1 | tee "$log" || rc=$?
  local p f
  # node:test says "# pass N" / "# fail N"; mocha's spec reporter (extension-host suite)
  # "N passing" / "N failing". awk alone, since a grep that matches nothing fails the pipe.
  p=$(awk '/^# pass [0-9]+$/ {s+=$3; next} {for (i=2;i<=NF;i++) if ($i=="passing" && $(i-1) ~ /^[0-9]+$/) s+=$(i-1)} END {print s+0}' "$log")
  f=$(awk '/^# fail [0-9]+$/ {s+=$3; next} {for (i=2;i<=NF;i++) if ($i=="failing" && $(i-1) ~ /^[0-9]+$/) s+=$(i-1)} END {print s+0}' "$log")
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ]; then
    failures+=("$name (exit $rc)")
    [ "$f" -gt 0 ] || failed=$((failed + 1)) # a phase that died before counting still fails
  fi
}

if [ "${CRYO_SKIP_PROVISION:-0}" != 1 ]; then
  say provision
  bash scripts/provision/host.sh
  bash scripts/provision/host-b.sh
  bash scripts/provision/host-c.sh
  bash scripts/provision/apps.sh # after A, B and C are up: the app image goes into all three
  bash scripts/provision/code-server.sh
fi

vm=${CRYO_VM:-1}
if [ "$vm" = 1 ]; then
  say "vm host (build once, boot)"
  trap 'bash scripts/vm/stop.sh >/dev/null 2>&1 || true' EXIT
  bash scripts/vm/start.sh --with-daemon-b
fi

say build
npm ci --no-audit --no-fund
npm run typecheck
npm run build
npm run package

phase unit npm run test:unit
# The VM suites skip themselves here (CRYO_VM unset) and run in their own phase below.
phase integration env -u CRYO_VM npm run test:integration
if [ "$vm" = 1 ]; then
  phase vm env CRYO_VM=1 node --test --test-force-exit --test-concurrency=1 --test-timeout=900000 out/test/integration/vm.test.js out/test/integration/vmPreDump.test.js
fi
phase extension-host node test/e2e/run-extension-host-tests.mjs
phase ui env CRYO_VM="$vm" node test/e2e/run.mjs

say summary
[ ${#failures[@]} -eq 0 ] || printf 'failed phases: %s\n' "${failures[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
