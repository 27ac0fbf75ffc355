import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, type MigrationPhase } from '../../src/core/index.js';
import { TRANSFER_LIMITS } from '../../src/core/migrate/streams.js';
import { hostB, isRunning, readCount, removeContainer, runContainer, uniqueName, waitFor, runningCopies } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Timeouts on transfer streams (issue #9), host A -> host B over real SSH: the receiving side
 * of the checkpoint transfer stops reading (its processes SIGSTOPped: host B's sshd runs on
 * this machine, so they are visible here), and the migration must fail within the idle limit,
 * saying which host and phase, and bring the source back running with its counter continuing.
 */
const IDLE_MS = 4_000;
const a = DockerHost.local('local');
let b: DockerHost;
const made: [() => DockerHost, string][] = [];
const savedIdle = TRANSFER_LIMITS.idleMs;

before(async () => {
  b = hostB();
  assert.ok((await b.capabilities()).engines.runc.ok, 'host B over ssh must work');
  TRANSFER_LIMITS.idleMs = IDLE_MS;
});

after(async () => {
  TRANSFER_LIMITS.idleMs = savedIdle;
  for (const [h, id] of made) await removeContainer(h(), id);
  await b.dispose();
});

/**
 * Stops (SIGSTOP), as soon as it appears, the receive command writing into `folder` and its
 * children (zstd/gzip, tar): a receiver that stops reading. A small shell loop on this machine,
 * not a process spawned per poll: the transfer is over in a fraction of a second otherwise.
 * Prints the pids it stopped, one a line.
 */
function stopReceiver(root: string, folder: string): ResultPromise {
  const script = `
found=
while :; do
  for p in $(pgrep -f -- "$1$2"); do
    case " $found " in *" $p "*) continue ;; esac
    kill -STOP "$p" 2>/dev/null && found="$found $p" && echo "$p"
    for c in $(pgrep -P "$p"); do kill -STOP "$c" 2>/dev/null && found="$found $c" && echo "$c"; done
  done
  # a little longer after the first catch, for a tar forked meanwhile
  if [ -n "$found" ]; then n=$((\${n:-0} + 1)); [ "$n" -gt 20 ] && exit 0; fi
  sleep 0.005
done`;
  // The pattern in two halves: this loop's own command line (and its subshells') must not match it.
  return execa('sh', ['-c', script, 'sh', root, folder], { reject: false, timeout: 120_000 });
}

test('a transfer whose receiver on B stops reading fails within the idle limit; the source runs again, counter continuing', async () => {
  const name = uniqueName('idle');
  // ~24 MB of random bytes held in the shell's memory: a checkpoint that does not compress to
  // less than what the pipes and the ssh window hold, so the stall cannot hide in buffers.
  const srcId = await runContainer(a, 'cryo-counter:latest', name, ['/bin/sh', '-c', 'x=$(head -c 24000000 /dev/urandom | tr -d "\\000"); . /counter.sh']);
  made.push([() => a, srcId]);
  await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined), 60_000);
  const phases: MigrationPhase[] = [];
  let stopper: ResultPromise | undefined;
  let stoppedAt = 0;
  const t0 = Date.now();
  const err = await migrateContainer(a, b, name, {
    precopy: false,
    onPhase: (p) => {
      phases.push(p);
      if (p === 'checkpoint') {
        // The target exists since 'create': watch for the receive into its checkpoint folder.
        void b.docker
          .getContainer(name)
          .inspect()
          .then((t) => {
            stopper = stopReceiver('/var/lib/docker-b/containers/', `${t.Id}/checkpoints/`);
            void stopper.stdout?.once('data', () => (stoppedAt = Date.now()));
          });
      }
    },
  }).then(
    () => assert.fail('the migration should have stalled'),
    (e: unknown) => e,
  );
  const failedAt = Date.now();
  const stopped = (await stopper)?.stdout?.toString().split('\n').filter(Boolean).map(Number) ?? [];
  for (const pid of stopped) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  assert.ok(stopped.length > 0 && stoppedAt > 0, `the receiver was caught and stopped (phases ${phases.join(',')})`);
  assert.ok(err instanceof MigrationFailedError, String(err));
  assert.equal(err.phase, 'transfer');
  assert.match(err.message, /stalled: no byte moved for 4 s/);
  assert.match(err.message, /the receiving side on ssh .*2222 stopped reading/);
  assert.equal(err.sourceState, 'restored', err.detail);
  const cut = failedAt - stoppedAt;
  // The idle limit, plus its check interval, plus the rollback (a restore on A).
  assert.ok(cut < IDLE_MS + 15_000, `failed ${cut} ms after the receiver stopped (idle limit ${IDLE_MS} ms)`);
  console.log(`# receiver stopped: migration failed ${cut} ms later (idle limit ${IDLE_MS} ms, rollback included), total ${failedAt - t0} ms; ${err.message.split('\n')[0]!.slice(0, 160)}`);
  assert.ok(await isRunning(a, srcId), 'the source runs again');
  const frozen = await readCount(a, srcId);
  await assertContinues(a, srcId, frozen);
  await assert.rejects(b.docker.getContainer(name).inspect(), 'nothing left on B');
  assert.equal(await runningCopies(name, a, b), 1);
});
