import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { ResultsStore, type MigrationRecord } from '../../src/core/index.js';
import { assertContinues } from './continuity.js';
import { signalCriuOf } from './faultHelpers.js';
import { hostA, hostB, isRunning, readCount, removeContainer, runContainer, tempResultsStore, uniqueName, waitFor } from './helpers.js';

/**
 * `cryo migrate` as a user runs it (node out/src/cli/main.js): a counter moves from host A
 * to host B and counts on there; Ctrl-C cancels with the source running and nothing on B;
 * hostile arguments are refused with exit 2 before any daemon is asked, nothing changed.
 */
const a = hostA();
const b = hostB();
const CLI = join(process.cwd(), 'out', 'src', 'cli', 'main.js');
const MARK = `/tmp/cryo-it-pwned-migrate-${process.pid}`;
const made: [() => typeof a, string][] = [];
const results = tempResultsStore('cryo-it-migrate-cli-');

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  for (const n of names) {
    const left = await b.docker.getContainer(n).inspect().catch(() => undefined);
    if (left) await removeContainer(b, left.Id);
  }
  await b.dispose();
  await a.dispose();
});
const names: string[] = [];

function cryo(...argv: string[]) {
  return execa('node', [CLI, ...argv], { reject: false, timeout: 300_000, env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
}

async function counter(label: string): Promise<{ name: string; id: string }> {
  const name = uniqueName(label);
  names.push(name);
  const id = await runContainer(a, 'cryo-counter:latest', name);
  made.push([() => a, id]);
  await waitFor('counter >= 5', async () => ((await readCount(a, id)) >= 5 ? true : undefined));
  return { name, id };
}

test('cryo migrate NAME --to host-b: exit 0, a line per phase on stderr, the counter continues on B, the source kept stopped, the run recorded', async () => {
  const { name, id } = await counter('mig-cli');
  const out = results.path;
  const r = await cryo('migrate', name, '--to', 'host-b', '--no-precopy', '--codec', 'gzip', '--out', out);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const stderr = String(r.stderr);
  for (const phase of ['[1/11] Preflight', '[5/11] Checkpoint', '[8/11] Checkpoint transfer (gzip)', '[9/11] Restore on the target', '[10/11] Verification']) {
    assert.ok(stderr.includes(phase), `stderr names ${phase}:\n${stderr}`);
  }
  assert.match(String(r.stdout), new RegExp(`^Migrated ${name} from local to host-b: ${name} runs on host-b; downtime [\\d.]+ s.*The source is kept, stopped, on local\\.`));

  const frozenAt = await readCount(a, id);
  assert.equal(await isRunning(a, id), false, 'the source is stopped');
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  await assertContinues(b, bId, frozenAt, { slack: 15 });

  const recs = (await new ResultsStore(out).readAll()).filter((x): x is MigrationRecord => x.kind === 'migration');
  assert.equal(recs.length, 1);
  assert.deepEqual([recs[0]!.outcome, recs[0]!.source, recs[0]!.target, recs[0]!.codec, recs[0]!.precopyRounds], ['ok', 'local', 'host-b', 'gzip', undefined]);
  console.log(`figure: cryo migrate A -> B (counter, stop-and-copy, gzip): downtime ${recs[0]!.downtimeMs?.toFixed(0)} ms, total ${recs[0]!.totalMs.toFixed(0)} ms`);
});

test('Ctrl-C (SIGINT) during a migration: exit 1, "cancelled", the source running as before, nothing on B', async () => {
  const { name, id } = await counter('mig-cli-int');
  const child = cryo('migrate', name, '--to', 'host-b');
  // Interrupted as soon as the first phase is under way: before the freeze.
  await new Promise<void>((resolve) => {
    child.stderr?.on('data', (d: Buffer) => {
      if (String(d).includes('[1/11] Preflight')) resolve();
    });
  });
  child.kill('SIGINT');
  const r = await child;
  assert.equal(r.exitCode, 1, String(r.stderr));
  assert.match(String(r.stderr), /cancel/);
  assert.doesNotMatch(String(r.stderr), /unexpected error|at .*\.js:\d+/, 'no stack trace');
  assert.equal(await isRunning(a, id), true, 'the source runs on');
  const v = await readCount(a, id);
  await waitFor('the source counts on', async () => ((await readCount(a, id)) > v ? true : undefined));
  assert.equal(await b.docker.getContainer(name).inspect().then(() => true, () => false), false, 'nothing was left on B');
});

test('Ctrl-C while the source is being dumped (its CRIU held): exit 1, "cancelled", the last lines say where each side is; the source counts on, nothing on B', async () => {
  const { name, id } = await counter('mig-cli-frozen');
  const criu = signalCriuOf(id, 'stop');
  try {
    const before = await readCount(a, id);
    const child = cryo('migrate', name, '--to', 'host-b', '--no-precopy');
    const pid = await criu.pid; // the migration's dump, held: the freeze is under way
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, 'SIGCONT');
    const r = await child;
    const stderr = String(r.stderr);
    console.log(`cancel during the dump, the CLI said:\n${stderr.split('\n').filter((l) => !l.startsWith('[')).join('\n')}`);
    assert.equal(r.exitCode, 1, stderr);
    assert.match(stderr, /cryo: cancelling after the current step/);
    assert.match(stderr, /cryo: migration of .* cancelled at /);
    // A dump in progress is not interrupted: it completes, so the source comes back from it.
    assert.match(stderr, /source on local: running again, restored from the migration checkpoint/);
    assert.match(stderr, /target on host-b: the partial container was removed/);
    assert.doesNotMatch(stderr, /unexpected error|at .*\.js:\d+/, 'no stack trace');
    await waitFor('the source running', async () => ((await isRunning(a, id)) ? true : undefined));
    const v = await readCount(a, id);
    assert.ok(v > before, `the source went on from where it was (${before}), not from scratch: ${v}`);
    await waitFor('the source counts on', async () => ((await readCount(a, id)) > v ? true : undefined));
    assert.equal(await b.docker.getContainer(name).inspect().then(() => true, () => false), false, 'nothing was left on B');
  } finally {
    criu.cancel();
    await criu.pid.then((p) => process.kill(p, 'SIGCONT')).catch(() => undefined);
  }
});

// Hostile input: refused while parsing (exit 2), nothing asked of either daemon.
const hostile: { what: string; argv: (name: string) => string[]; says: RegExp }[] = [
  { what: 'a container with $()', argv: () => ['migrate', `$(touch ${MARK})`, '--to', 'host-b'], says: /container ".*": use a container name or id/ },
  { what: 'a --to that walks a path', argv: (n) => ['migrate', n, '--to', '../../etc/passwd'], says: /Unknown host "\.\.\/\.\.\/etc\/passwd" \(known: local, host-b, host-c/ },
  { what: 'a --to that is an ssh URL with a command', argv: (n) => ['migrate', n, '--to', `ssh://x;touch ${MARK}`], says: /Unknown host/ },
  { what: 'a target --name with ;', argv: (n) => ['migrate', n, '--to', 'host-b', '--name', `x;touch ${MARK}`], says: /--name ".*": use at least 2 characters/ },
  { what: 'a --codec with a shell pipe', argv: (n) => ['migrate', n, '--to', 'host-b', '--codec', 'zstd|sh'], says: /--codec "zstd\|sh": use auto, zstd or gzip/ },
  { what: '--volumes of an unknown mode', argv: (n) => ['migrate', n, '--to', 'host-b', '--volumes', 'all'], says: /--volumes "all": use copy or skip/ },
  { what: 'the same host twice', argv: (n) => ['migrate', n, '--to', 'local'], says: /--from and --to are both local/ },
  { what: 'no --to', argv: (n) => ['migrate', n], says: /--to is required/ },
  { what: 'CRIU options with the docker engine', argv: (n) => ['migrate', n, '--to', 'host-b', '--engine', 'docker', '--tcp-established'], says: /--engine docker cannot pass CRIU options/ },
];

test('hostile arguments to cryo migrate: exit 2, one clear line, nothing changed on A or B', async () => {
  const { name, id } = await counter('mig-cli-hostile');
  const countBefore = await readCount(a, id);
  const onB = async () => (await b.docker.listContainers({ all: true })).map((c) => c.Id).sort().join(',');
  const bBefore = await onB();
  for (const c of hostile) {
    const r = await cryo(...c.argv(name));
    assert.equal(r.exitCode, 2, `${c.what}: ${String(r.stderr)}`);
    const first = String(r.stderr).split('\n')[0]!;
    assert.match(first, c.says, c.what);
    assert.doesNotMatch(String(r.stderr), /unexpected error|at .*\.js:\d+/, 'no stack trace');
  }
  assert.equal(existsSync(MARK), false, 'no injected command ran');
  assert.equal(await isRunning(a, id), true);
  assert.ok((await readCount(a, id)) > countBefore, 'the source ran on, untouched');
  assert.equal(await onB(), bBefore, 'nothing made on B');
});

test('a container that does not exist: exit 1, the core\'s message, nothing on B', async () => {
  const r = await cryo('migrate', 'cryo-it-no-such-container', '--to', 'host-b');
  assert.equal(r.exitCode, 1, String(r.stderr));
  assert.match(String(r.stderr), /No container "cryo-it-no-such-container"/);
});
