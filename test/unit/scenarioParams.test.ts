import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findScenario, SCENARIOS, ScenarioParamError } from '../../src/core/bench/scenarios/index.js';
import { intList, parseCommon, processCounts } from '../../src/core/bench/scenarios/params.js';
import { effectiveConcurrency, parsePolicies, parsePolicy, submitOrder } from '../../src/core/bench/scenarios/scheduler.js';
import { parseBenchScenario } from '../../src/cli/commands/bench.js';
import { parseReport } from '../../src/cli/commands/report.js';
import { UsageError } from '../../src/cli/args.js';

const prepare = (name: string, flags: Record<string, string> = {}) => findScenario(name)!.prepare(flags);

test('every scenario is registered once, and both presets of each parse', () => {
  const names = SCENARIOS.map((s) => s.name);
  assert.deepEqual(names, ['size-sweep', 'pairwise', 'nway', 'processes', 'dirty', 'storage', 'engines', 'scheduler', 'apps']);
  for (const s of SCENARIOS) {
    const quick = s.prepare(s.presets.quick);
    const full = s.prepare(s.presets.full);
    assert.ok(quick.steps > 0 && quick.steps < full.steps, `${s.name}: quick (${quick.steps}) is smaller than full (${full.steps})`);
    assert.ok(full.description.length > 0);
  }
});

test('common parameters: defaults, bounds, engine choice', () => {
  assert.deepEqual(parseCommon({}), { reps: 3, warmup: 1, settleMs: 1000, engine: 'runc' });
  assert.deepEqual(parseCommon({ reps: '5', warmup: '0', 'settle-ms': '0', engine: 'docker' }), { reps: 5, warmup: 0, settleMs: 0, engine: 'docker' });
  assert.throws(() => parseCommon({ reps: '0' }), ScenarioParamError);
  assert.throws(() => parseCommon({ reps: '1.5' }), /--reps "1.5"/);
  assert.throws(() => parseCommon({ engine: 'podman' }), /--engine "podman": use runc, docker/);
});

test('lists: whole numbers, no duplicates; the seed process series from from..to/step', () => {
  assert.deepEqual(intList('sizes', '16, 64,256'), [16, 64, 256]);
  assert.throws(() => intList('sizes', '16,16'), /listed twice/);
  assert.throws(() => intList('sizes', '16,,64'), /--sizes/);
  assert.throws(() => intList('sizes', '0'), /from 1/);
  assert.deepEqual(processCounts('counts', '1..50/5'), [1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  assert.deepEqual(processCounts('counts', '0..10/5'), [0, 5, 10]);
  assert.deepEqual(processCounts('counts', '1,10,25'), [1, 10, 25]);
  assert.throws(() => processCounts('counts', '10..1/5'), ScenarioParamError);
});

test('defaults follow the brief: size sweep 16..512, nway 5, dirty 1/100/1024 x 0,5 %/s,untouched, scheduler 5 memhogs', () => {
  assert.deepEqual((prepare('size-sweep').params as { sizesMb: number[] }).sizesMb, [16, 64, 256, 512]);
  const nway = prepare('nway');
  assert.equal((nway.params as { n: number }).n, 5);
  assert.equal(nway.steps, 3 * 15, '3 reps x (1+2+3+4+5) checkpoints');
  const dirty = prepare('dirty').params as { sizesMb: number[]; modes: (number | string)[] };
  assert.deepEqual([dirty.sizesMb, dirty.modes], [[1, 100, 1024], [0, 5, 'untouched']]);
  const sched = prepare('scheduler').params as { sizesMb: number[]; policies: { label: string }[]; cryo: string; order: string };
  assert.deepEqual(sched.sizesMb, [16, 64, 128, 256, 512]);
  assert.deepEqual(sched.policies.map((p) => p.label), ['unlimited', 'fifo:1', 'sjf:2']);
  assert.equal(sched.cryo, 'sjf:2');
  assert.equal(prepare('processes').steps, 3 * 11 * 2, 'checkpoint + restore for 11 counts x 3 reps');
});

test('unknown flags are refused with the ones the scenario knows', () => {
  assert.throws(() => prepare('nway', { sizes: '16' }), /nway: unknown option --sizes \(known: --n, --size, --reps/);
});

test('dirty: --modes takes rates and "untouched" (more in dirtyModes.test.ts)', () => {
  const p = prepare('dirty', { sizes: '32', modes: '0,untouched', reps: '2' });
  assert.deepEqual((p.params as { modes: (number | string)[] }).modes, [0, 'untouched']);
  assert.equal(p.steps, 2 * 1 * 2);
  assert.match(p.description, /32 MB x 0 %\/s, untouched, 2 rep/);
  assert.throws(() => prepare('dirty', { modes: '0,touched' }), /--modes "0,touched":.*"untouched"/);
});

test('storage measures raw runc only; engines chooses by --methods', () => {
  assert.throws(() => prepare('storage', { engine: 'docker' }), /must be runc/);
  assert.equal((prepare('storage').params as { engine: string }).engine, 'runc');
  assert.throws(() => prepare('engines', { methods: 'cryo-runc,podman' }), /unknown "podman"/);
  assert.equal(prepare('engines', { sizes: '16', methods: 'cryo-runc,raw-runc', reps: '2' }).steps, 4);
});

test('scheduler policies: labels, limits, naive and Cryo always compared', () => {
  assert.deepEqual(parsePolicy('sjf:2:0.1'), { label: 'sjf:2:0.1', policy: 'sjf', concurrency: 2, agingPerMs: 0.1 });
  assert.deepEqual(parsePolicy('fifo:1'), { label: 'fifo:1', policy: 'fifo', concurrency: 1 });
  assert.throws(() => parsePolicy('fifo:1:0.5'), /--policies/);
  assert.throws(() => parsePolicy('sjf:0'), /--policies/);
  assert.throws(() => parsePolicies('sjf:2,sjf:2'), /twice/);
  const p = prepare('scheduler', { policies: 'fifo:1', cryo: 'sjf:3' }).params as { policies: { label: string }[] };
  assert.deepEqual(p.policies.map((x) => x.label), ['unlimited', 'fifo:1', 'sjf:3']);
  assert.equal(effectiveConcurrency(parsePolicy('unlimited'), 5), 5);
  assert.equal(effectiveConcurrency(parsePolicy('sjf:2'), 5), 2);
  assert.equal(effectiveConcurrency(parsePolicy('sjf:8'), 5), 5);
});

test('burst order: a permutation, the same for a repetition, different across repetitions', () => {
  const sizes = [16, 64, 128, 256, 512];
  const a = submitOrder(sizes, 'shuffle', 1);
  assert.deepEqual([...a].sort((x, y) => x - y), sizes);
  assert.deepEqual(submitOrder(sizes, 'shuffle', 1), a);
  assert.ok([2, 3, 4].some((rep) => submitOrder(sizes, 'shuffle', rep).join() !== a.join()));
  assert.deepEqual(submitOrder(sizes, 'desc', 1), [512, 256, 128, 64, 16]);
});

test('cli: bench <scenario> parses the scenario flags; engines and other commands are left to args.ts', () => {
  const c = parseBenchScenario(['bench', 'size-sweep', '--sizes', '16,64', '--reps', '1', '--warmup', '0', '--out', 'r.jsonl', '--host', 'unix:///x.sock']);
  assert.ok(c);
  assert.equal(c.prepared.scenario, 'size-sweep');
  assert.deepEqual((c.prepared.params as { sizesMb: number[]; reps: number }).sizesMb, [16, 64]);
  assert.equal(c.out, 'r.jsonl');
  assert.equal(c.host, 'unix:///x.sock');
  assert.equal(parseBenchScenario(['bench', 'engines', '--sizes', '16']), undefined);
  assert.equal(parseBenchScenario(['probe']), undefined);
  assert.equal(parseBenchScenario(['--host', 'unix:///x', 'ls']), undefined);
  assert.throws(() => parseBenchScenario(['bench', 'nope']), (e: unknown) => e instanceof UsageError && /known: size-sweep/.test(e.message));
  assert.throws(() => parseBenchScenario(['bench', 'nway', '--sizes', '16']), UsageError);
  assert.throws(() => parseBenchScenario(['bench', 'nway', '--bogus', '1']), UsageError);
  assert.throws(() => parseBenchScenario(['bench']), /name a scenario/);
});

test('cli: report needs inputs and --out', () => {
  assert.deepEqual(parseReport(['report', 'a.jsonl', 'b.jsonl', '--out', 'r.html']), { cmd: 'report', inputs: ['a.jsonl', 'b.jsonl'], out: 'r.html', theme: 'light' });
  assert.equal(parseReport(['bench', 'nway']), undefined);
  assert.throws(() => parseReport(['report', '--out', 'r.html']), /at least one results file/);
  assert.throws(() => parseReport(['report', 'a.jsonl']), /--out/);
  assert.throws(() => parseReport(['report', 'a.jsonl', '--out', 'r.html', '--theme', 'pink']), /light or dark/);
});
