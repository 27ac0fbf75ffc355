import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, parseCount, parseSizes, UsageError } from '../../src/cli/args.js';

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
