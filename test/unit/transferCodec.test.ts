import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandRunner, RunOptions, RunResult } from '../../src/core/exec/runner.js';
import type { DockerHost } from '../../src/core/host/dockerHost.js';
import { chooseCodec, CodecUnavailableError, hasZstd, receiveArgv, resolveCodec, sendArgv, TRANSFER_SCRIPTS, type TransferCodec } from '../../src/core/migrate/transfer.js';

/** A runner that answers the zstd probe with `answer` (or fails) and counts what it was asked. */
function fakeRunner(answer: () => Promise<RunResult>): CommandRunner & { calls: (readonly string[])[]; options: (RunOptions | undefined)[] } {
  const calls: (readonly string[])[] = [];
  const options: (RunOptions | undefined)[] = [];
  return {
    where: 'fake',
    calls,
    options,
    run: (argv, o) => {
      calls.push(argv);
      options.push(o);
      return answer();
    },
    runBinary: () => Promise.reject(new Error('not used')),
    spawnStream: () => {
      throw new Error('not used');
    },
  };
}
const says = (stdout: string, exitCode = 0) => () => Promise.resolve({ stdout, stderr: '', exitCode });
const host = (name: string, runner: CommandRunner) => ({ name, runner }) as unknown as DockerHost;

test('chooseCodec: zstd only when both ends have it, gzip otherwise', () => {
  assert.equal(chooseCodec(true, true), 'zstd');
  assert.equal(chooseCodec(true, false), 'gzip');
  assert.equal(chooseCodec(false, true), 'gzip');
  assert.equal(chooseCodec(false, false), 'gzip');
  assert.equal(chooseCodec(true, true, 'auto'), 'zstd');
});

test('chooseCodec: gzip asked for is gzip; zstd asked for is refused, naming the end without it', () => {
  assert.equal(chooseCodec(true, true, 'gzip'), 'gzip');
  assert.equal(chooseCodec(true, true, 'zstd'), 'zstd');
  assert.throws(() => chooseCodec(true, false, 'zstd'), (e: Error) => e instanceof CodecUnavailableError && /the target has no zstd/.test(e.message));
  assert.throws(() => chooseCodec(false, false, 'zstd'), (e: Error) => e instanceof CodecUnavailableError && /the source and the target have no zstd/.test(e.message));
});

test('hasZstd asks each runner once, privileged (sudo PATH), and remembers yes and no', async () => {
  const yes = fakeRunner(says('yes\n'));
  const no = fakeRunner(says('no\n'));
  assert.equal(await hasZstd(yes), true);
  assert.equal(await hasZstd(yes), true);
  assert.equal(await hasZstd(no), false);
  assert.equal(await hasZstd(no), false);
  assert.equal(yes.calls.length, 1);
  assert.equal(no.calls.length, 1);
  assert.equal(yes.calls[0]![0], 'sh');
  assert.equal(yes.options[0]?.privileged, true);
});

test('hasZstd: a probe that did not answer (ssh down, exit 255) or threw means gzip now and a new probe next time', async () => {
  const down = fakeRunner(says('', 255));
  assert.equal(await hasZstd(down), false);
  assert.equal(await hasZstd(down), false);
  assert.equal(down.calls.length, 2);
  let fail = true;
  const flaky = fakeRunner(() => (fail ? Promise.reject(new Error('boom')) : Promise.resolve({ stdout: 'yes', stderr: '', exitCode: 0 })));
  await assert.rejects(hasZstd(flaky), /boom/);
  fail = false;
  assert.equal(await hasZstd(flaky), true);
  assert.equal(flaky.calls.length, 2);
});

test('resolveCodec: auto probes both hosts; gzip asks nothing; zstd names the host that lacks it', async () => {
  const a = host('a', fakeRunner(says('yes')));
  const b = host('b', fakeRunner(says('yes')));
  const vm = host('vm', fakeRunner(says('no')));
  assert.equal(await resolveCodec(a, b), 'zstd');
  assert.equal(await resolveCodec(a, vm), 'gzip');
  assert.equal(await resolveCodec(vm, a, 'auto'), 'gzip');
  const quiet = fakeRunner(says('yes'));
  assert.equal(await resolveCodec(host('q', quiet), host('q2', quiet), 'gzip'), 'gzip');
  assert.equal(quiet.calls.length, 0);
  await assert.rejects(resolveCodec(a, vm, 'zstd'), (e: Error) => e instanceof CodecUnavailableError && /but vm has no zstd/.test(e.message));
});

test('the scripts are constants: paths travel as $1, never inside the shell line', () => {
  const odd = "/var/lib/docker/containers/x/checkpoints/a b'$(touch /tmp/pwned)";
  for (const codec of ['zstd', 'gzip'] as const) {
    const send = sendArgv(codec, odd, true);
    assert.deepEqual(send, ['sh', '-c', TRANSFER_SCRIPTS[codec].sendFinal, 'sh', odd]);
    assert.deepEqual(receiveArgv(codec, odd), ['sh', '-c', TRANSFER_SCRIPTS[codec].receive, 'sh', odd]);
    for (const s of Object.values(TRANSFER_SCRIPTS[codec])) assert.ok(!s.includes('/var/lib'), s);
    assert.match(TRANSFER_SCRIPTS[codec].sendFinal, /--exclude="\.\/pd\[0-9\]\*"/);
  }
  assert.match(TRANSFER_SCRIPTS.zstd.send, /zstd -1 -T0 -q -c$/);
  assert.match(TRANSFER_SCRIPTS.zstd.receive, /zstd -dc -q \|/);
});

/** Runs send | receive the way pipeCommands does, without privileges, on this machine. */
async function roundTrip(codec: TransferCodec, from: string, to: string, finalOnly: boolean): Promise<void> {
  const [sf, ...sa] = sendArgv(codec, from, finalOnly);
  const [rf, ...ra] = receiveArgv(codec, to);
  const a = spawn(sf!, sa, { stdio: ['ignore', 'pipe', 'inherit'] });
  const b = spawn(rf!, ra, { stdio: ['pipe', 'ignore', 'inherit'] });
  a.stdout.pipe(b.stdin);
  const codes = await Promise.all([a, b].map((p) => new Promise<number | null>((r) => p.on('close', r))));
  assert.deepEqual(codes, [0, 0]);
}

for (const codec of ['zstd', 'gzip'] as const) {
  const missing = spawnSync('sh', ['-c', `command -v ${codec}`]).status !== 0;
  test(`${codec} round trip: an odd folder name arrives intact; the final part leaves the pre-dump rounds out`, { skip: missing ? `${codec} is not installed here` : false }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryo-codec-'));
    try {
      const src = join(dir, "cp a'b $(x)");
      mkdirSync(join(src, 'pd1'), { recursive: true });
      writeFileSync(join(src, 'pages-1.img'), Buffer.alloc(1 << 20));
      writeFileSync(join(src, 'core.img'), 'core');
      writeFileSync(join(src, 'pd1', 'pages-1.img'), 'round one');
      await roundTrip(codec, src, join(dir, 'all dest'), false);
      assert.deepEqual(readdirSync(join(dir, 'all dest')).sort(), ['core.img', 'pages-1.img', 'pd1']);
      assert.equal(readFileSync(join(dir, 'all dest', 'pd1', 'pages-1.img'), 'utf8'), 'round one');
      await roundTrip(codec, src, join(dir, 'final dest'), true);
      assert.deepEqual(readdirSync(join(dir, 'final dest')).sort(), ['core.img', 'pages-1.img']);
      assert.equal(readFileSync(join(dir, 'final dest', 'pages-1.img')).length, 1 << 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
