import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, type MigrationPhase } from '../../src/core/index.js';
import { hostB, isRunning, readCount, removeContainer, runContainer, uniqueName, waitFor, runningCopies } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Cancel at every phase of a migration A -> B over real SSH (issue #9): the signal is aborted
 * the moment onPhase reports the phase. Afterwards exactly one instance runs, nothing is left
 * on B, and the error says what became of the source and the target. A cancel that arrives
 * once the restore on B has begun is too late to stop it: the migration completes (one
 * instance, on B) and says so.
 */
const a = DockerHost.local('local');
let b: DockerHost;
const made: [() => DockerHost, string][] = [];
const images: string[] = [];

before(async () => {
  b = hostB();
  assert.ok((await b.capabilities()).engines.runc.ok, 'host B over ssh must work');
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  for (const ref of images) for (const h of [a, b]) await h.docker.getImage(ref).remove({ force: true }).catch(() => undefined);
  await b.dispose();
});

const PHASES: MigrationPhase[] = ['preflight', 'image', 'create', 'checkpoint', 'filesystem', 'transfer', 'restore'];

for (const at of PHASES) {
  test(`cancel at ${at}: one instance runs, nothing left behind, the error says what became of both`, async () => {
    const name = uniqueName(`cx-${at}`);
    // A tag only A has, so that the image phase has work to do (and can be cancelled).
    const ref = `cryo-it-cancel-img:${name.slice(-10)}`;
    await a.docker.getImage('cryo-counter:latest').tag({ repo: 'cryo-it-cancel-img', tag: name.slice(-10) });
    images.push(ref);
    const srcId = await runContainer(a, ref, name);
    made.push([() => a, srcId]);
    await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
    const ac = new AbortController();
    const phases: MigrationPhase[] = [];
    let targetId: string | undefined;
    const outcome = await migrateContainer(a, b, name, {
      signal: ac.signal,
      precopy: false,
      onPhase: (p) => {
        phases.push(p);
        if (p === at) ac.abort();
      },
    }).then(
      (rec) => ({ rec }),
      (err: unknown) => ({ err }),
    );
    assert.ok(phases.includes(at), `phase ${at} was reached (${phases.join(',')})`);
    const onB = await b.docker.getContainer(name).inspect().catch(() => undefined);
    if (onB) {
      targetId = onB.Id;
      made.push([() => b, onB.Id]);
    }
    if ('rec' in outcome) {
      // Only a cancel during the restore may be too late to act on.
      assert.equal(at, 'restore', `a cancel at ${at} was ignored`);
      assert.equal(outcome.rec.outcome, 'ok');
      assert.ok(outcome.rec.warnings.some((w) => /cancel/i.test(w)), `the record says the cancel came too late: ${outcome.rec.warnings.join(' | ')}`);
      assert.ok(targetId && (await isRunning(b, targetId)), 'the target runs');
      assert.equal(await runningCopies(name, a, b), 1);
      console.log(`# cancel at ${at}: too late, migration completed; one instance, on B`);
      return;
    }
    const err = outcome.err;
    assert.ok(err instanceof MigrationFailedError, String(err));
    assert.match(err.message, /cancelled/);
    assert.ok(err.detail.length > 0, 'the error says what became of source and target');
    const frozenBefore = ['preflight', 'image', 'create'].includes(at);
    if (frozenBefore) {
      assert.equal(err.name, 'AbortError', 'before the freeze: nothing was changed');
      assert.equal(err.sourceState, 'untouched');
    } else {
      assert.equal(err.name, 'MigrationFailedError', 'after the freeze: not "nothing was changed"');
      assert.equal(err.sourceState, 'restored', err.detail);
      assert.match(err.detail, /restored on local/);
    }
    assert.ok(['none', 'removed'].includes(err.targetState), `target ${err.targetState}: ${err.detail}`);
    assert.equal(onB, undefined, 'no container named like the target on B');
    assert.ok(await isRunning(a, srcId), 'the source runs');
    const frozen = await readCount(a, srcId);
    await assertContinues(a, srcId, frozen);
    assert.equal(await runningCopies(name, a, b), 1, 'exactly one instance across A and B');
    // No checkpoint folder left on B (it lives in the target's folder, which must be gone).
    const left = await b.runner.run(['sh', '-c', 'ls -d /var/lib/docker-b/containers/*/checkpoints/cryo-mig-* 2>/dev/null || true'], { privileged: true });
    const live = await b.docker.listContainers({ all: true });
    const stray = left.stdout.split('\n').filter((l) => l && !live.some((x) => l.includes(x.Id)));
    assert.deepEqual(stray, [], 'no checkpoint folder of a removed container on B');
    console.log(`# cancel at ${at}: source ${err.sourceState}, target ${err.targetState}; ${err.detail.slice(0, 120)}`);
  });
}
