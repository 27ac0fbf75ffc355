import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost } from '../../src/core/index.js';
import { DEFAULT_PRUNE } from '../../src/core/guard/workPrune.js';
import { freezerPath, runDumpTarget, signalCriuOf } from './faultHelpers.js';
import { readCount, removeContainer, uniqueName, waitFor } from './helpers.js';

/**
 * CRIU work folders are pruned after each checkpoint (runc engine), on a real daemon with
 * the state folder in a temp dir so nobody else's folders are involved.
 */
const base = DockerHost.local();
let state: string;
after(async () => {
  if (state) await rm(state, { recursive: true, force: true });
});

test('after a checkpoint, successful work folders beyond the newest 10 go; a failure keeps its log', async () => {
  state = await mkdtemp(join(tmpdir(), 'cryo-it-state-'));
  const host = new DockerHost('prune', base.endpoint, base.docker, base.runner, state);
  const work = join(state, 'work');
  const id = await runDumpTarget(host, uniqueName('prune'));
  try {
    await waitFor('counter', async () => ((await readCount(host, id)) >= 2 ? true : undefined));
    for (let i = 1; i <= DEFAULT_PRUNE.keepOk + 2; i++) await checkpointContainer(host, id, { name: `v${i}`, leaveRunning: true, engine: 'runc' });
    const pid = (await host.docker.getContainer(id).inspect()).State.Pid;
    const killer = signalCriuOf(id, 'kill', await freezerPath(pid));
    await assert.rejects(checkpointContainer(host, id, { name: 'killed', leaveRunning: true, engine: 'runc' }));
    await killer.pid;
    // All young: nothing pruned yet (another client may still read a fresh stats-dump).
    assert.equal((await readdir(work)).length, DEFAULT_PRUNE.keepOk + 3);
    // An hour passes (each folder keeps its place in time: the name ends with its start in ms).
    const all = (await readdir(work)).sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop()));
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    for (const [i, d] of all.entries()) await execa('touch', ['-d', `@${hourAgo + i}`, join(work, d)]);
    await checkpointContainer(host, id, { name: 'newest', leaveRunning: true, engine: 'runc' });
    const left = await readdir(work);
    const failed = left.filter((d) => d.includes('-killed-'));
    const ok = left.filter((d) => !d.includes('-killed-'));
    assert.equal(failed.length, 1, 'the failed dump keeps its folder');
    assert.ok((await readFile(join(work, failed[0]!, 'dump.log'), 'utf8')).length > 0, 'and its CRIU log');
    assert.equal(ok.length, DEFAULT_PRUNE.keepOk, `the newest ${DEFAULT_PRUNE.keepOk} successes stay: ${ok.join(' ')}`);
    assert.ok(ok.some((d) => d.includes('-newest-')));
    for (const gone of ['-v1-', '-v2-', '-v3-']) assert.ok(!ok.some((d) => d.includes(gone)), `${gone} (oldest) was pruned`);
    console.log(`figure: work folders: ${DEFAULT_PRUNE.keepOk + 4} made, ${left.length} left after pruning (${ok.length} ok + ${failed.length} failed)`);
  } finally {
    await removeContainer(host, id);
  }
});
