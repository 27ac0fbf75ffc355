import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DockerHost } from '../../src/core/index.js';
import { verifyRunning } from '../../src/core/migrate/state.js';

/** A host whose inspect answers from a script: the decision logic only (the daemon faults are in the integration tests). */
function hostAnswering(answers: (() => unknown)[]): DockerHost {
  let i = 0;
  const inspect = async () => {
    const next = answers[Math.min(i++, answers.length - 1)]!;
    return next();
  };
  return { name: 'b', docker: { getContainer: () => ({ inspect }) } } as unknown as DockerHost;
}
const running = () => ({ State: { Running: true, Restarting: false, Status: 'running', ExitCode: 0 }, RestartCount: 0 });
const flaky = () => {
  throw new Error('socket hang up');
};

test('verify: a transient inspect error is retried, and a running target is verified', async () => {
  assert.deepEqual(await verifyRunning(hostAnswering([flaky, flaky, running]), 'id'), { ok: true });
});

test('verify: a host that never answers is NOT a definite failure (no rollback of a maybe-running target)', async () => {
  const v = await verifyRunning(hostAnswering([flaky]), 'id');
  assert.equal(v.ok, false);
  assert.equal(!v.ok && v.definite, false);
});

test('verify: exited, restarted from scratch, or gone are definite', async () => {
  const exited = () => ({ State: { Running: false, Restarting: false, Status: 'exited', ExitCode: 139 }, RestartCount: 0 });
  const restarted = () => ({ ...running(), RestartCount: 1 });
  const gone = () => {
    throw Object.assign(new Error('no such container'), { statusCode: 404 });
  };
  for (const [answer, why] of [[exited, /exited \(exit code 139\)/], [restarted, /restarted 1 time/], [gone, /gone/]] as const) {
    const v = await verifyRunning(hostAnswering([answer]), 'id');
    assert.ok(!v.ok && v.definite && why.test(v.why), JSON.stringify(v));
  }
});
