import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, parseCount, parseDuration, parseSizes, UsageError } from '../../src/cli/args.js';

const parse = (line: string) => parseCommandLine(line.split(' ').filter(Boolean));

test('help in every spelling', () => {
  for (const l of ['--help', '-h', 'help', 'help checkpoint', 'checkpoint --help', 'bench engines -h']) assert.deepEqual(parse(l), { cmd: 'help' }, l);
});

test('probe, with --host before or after the command', () => {
  assert.deepEqual(parse('probe'), { cmd: 'probe', json: false });
  assert.deepEqual(parse('--host unix:///run/docker-b.sock probe --json'), { cmd: 'probe', host: 'unix:///run/docker-b.sock', json: true });
  assert.deepEqual(parse('probe --host=tcp://127.0.0.1:2375'), { cmd: 'probe', host: 'tcp://127.0.0.1:2375', json: false });
});

test('checkpoint defaults and options', () => {
  assert.deepEqual(parse('checkpoint web'), { cmd: 'checkpoint', container: 'web', leaveRunning: false, engine: 'auto' });
  assert.deepEqual(parse('checkpoint web --name cp1 --leave-running --engine runc --out r.jsonl'), {
    cmd: 'checkpoint',
    container: 'web',
    name: 'cp1',
    leaveRunning: true,
    engine: 'runc',
    out: 'r.jsonl',
  });
});

test('restore and ls', () => {
  assert.deepEqual(parse('restore web cp1'), { cmd: 'restore', container: 'web', checkpoint: 'cp1', fallback: false });
  assert.deepEqual(parse('restore web --fallback'), { cmd: 'restore', container: 'web', fallback: true });
  assert.deepEqual(parse('restore web cp1 --fallback'), { cmd: 'restore', container: 'web', checkpoint: 'cp1', fallback: true });
  assert.deepEqual(parse('ls'), { cmd: 'ls' });
  assert.deepEqual(parse('ls web'), { cmd: 'ls', container: 'web' });
});

test('periodic: defaults, then every option', () => {
  assert.deepEqual(parse('periodic web --every 30s'), { cmd: 'periodic', container: 'web', everyMs: 30_000, keep: 5, preDump: false });
  assert.deepEqual(parse('periodic web --every 1000ms --keep 2 --pre-dump --count 3 --out r.jsonl --host unix:///run/b.sock'), {
    cmd: 'periodic',
    host: 'unix:///run/b.sock',
    container: 'web',
    everyMs: 1000,
    keep: 2,
    preDump: true,
    count: 3,
    out: 'r.jsonl',
  });
  assert.deepEqual(parse('periodic web --every 5m --keep 1'), { cmd: 'periodic', container: 'web', everyMs: 300_000, keep: 1, preDump: false });
  assert.deepEqual(parse('periodic --help'), { cmd: 'help' });
});

test('durations', () => {
  assert.equal(parseDuration('--every', '1s', 1000), 1000);
  assert.equal(parseDuration('--every', '1.5s', 1000), 1500);
  assert.equal(parseDuration('--every', '2h', 1000), 7_200_000);
  assert.equal(parseDuration('--every', '30 s', 1000), 30_000, 'a space before the unit is fine');
  for (const bad of ['30', '5min', 's', '-1s', '1e3ms', '', '1,5s']) assert.throws(() => parseDuration('--every', bad, 1000), /--every ".*": use a number with a unit/, bad);
  assert.throws(() => parseDuration('--every', '999ms', 1000), /--every "999ms": use at least 1000 ms/);
});

test('bench engines: defaults, then every option', () => {
  assert.deepEqual(parse('bench engines'), { cmd: 'bench-engines', sizesMb: [16, 256, 1024], reps: 3, warmup: 0, settleMs: 1500 });
  assert.deepEqual(parse('bench engines --sizes 16,256 --reps 5 --warmup 1 --settle-ms 0 --methods cryo-runc,raw-runc --out results/b.jsonl --md results/b.md --docker-cli /usr/bin/docker --runc-root /run/x'), {
    cmd: 'bench-engines',
    sizesMb: [16, 256],
    reps: 5,
    warmup: 1,
    settleMs: 0,
    methods: ['cryo-runc', 'raw-runc'],
    out: 'results/b.jsonl',
    md: 'results/b.md',
    dockerCli: '/usr/bin/docker',
    runcRoot: '/run/x',
  });
});

test('usage errors say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /No command/],
    ['frobnicate', /Unknown command "frobnicate"/],
    ['checkpoint', /missing <container>/],
    ['checkpoint a b', /unexpected argument "b"/],
    ['checkpoint web --engine podman', /--engine "podman"/],
    ['checkpoint web --name x', /--name "x"/],
    ['checkpoint web --bogus', /checkpoint: Unknown option '--bogus'/],
    ['checkpoint web --name', /argument missing/],
    ['restore web', /missing <container> <checkpoint> \(or --fallback for the newest\)/],
    ['restore --fallback', /missing <container> \[checkpoint\]/],
    ['ls a b', /unexpected argument "b"/],
    ['periodic web', /--every is required/],
    ['periodic --every 30s', /periodic: missing <container>/],
    ['periodic a b --every 30s', /unexpected argument "b"/],
    ['periodic web --every 30', /--every "30": use a number with a unit/],
    ['periodic web --every 10x', /--every "10x"/],
    ['periodic web --every 500ms', /--every "500ms": use at least 1000 ms/],
    ['periodic web --every 0.5s', /use at least 1000 ms/],
    ['periodic web --every 1s --keep 0', /--keep "0"/],
    ['periodic web --every 1s --count two', /--count "two"/],
    ['periodic web --every 1s --leave-running', /periodic: Unknown option '--leave-running'/],
    ['bench', /name a benchmark/],
    ['bench restore', /Unknown benchmark "restore"/],
    ['bench engines --reps 0', /--reps "0"/],
    ['bench engines --sizes 16,,1024', /--sizes/],
    ['bench engines --methods cryo-runc,podman', /--methods: unknown "podman"/],
    ['bench engines --methods raw-runc,raw-runc', /listed twice/],
    ['probe --host ssh://me@box', /--host "ssh:\/\/me@box"/],
    ['probe --leave-running', /Unknown option '--leave-running'/],
  ];
  for (const [line, re] of cases) assert.throws(() => parse(line), (e: unknown) => e instanceof UsageError && re.test(e.message), line);
});

test('sizes and counts', () => {
  assert.deepEqual(parseSizes('1024, 16'), [1024, 16]);
  assert.throws(() => parseSizes('16,16'), /twice/);
  assert.throws(() => parseSizes('0'), UsageError);
  assert.throws(() => parseSizes('1.5'), UsageError);
  assert.equal(parseCount('--warmup', '0', 0), 0);
  assert.throws(() => parseCount('--reps', '-1', 1), UsageError);
  assert.throws(() => parseCount('--reps', '2x', 1), UsageError);
});

test('--max-frozen bounds the frozen time of checkpoint and periodic, in whole seconds', () => {
  assert.deepEqual(parse('checkpoint web --max-frozen 12'), { cmd: 'checkpoint', container: 'web', leaveRunning: false, engine: 'auto', maxFrozenMs: 12_000 });
  assert.equal((parse('periodic web --every 30s --max-frozen 5') as { maxFrozenMs?: number }).maxFrozenMs, 5_000);
  for (const bad of ['0', '-3', '1.5', 'ten', '']) assert.throws(() => parse(`checkpoint web --max-frozen ${bad}`), /--max-frozen|argument missing|requires/, bad);
});
