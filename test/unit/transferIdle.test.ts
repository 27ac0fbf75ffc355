import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CommandRunner, StreamingCommand } from '../../src/core/exec/runner.js';
import { pipeCommands, TransferError, watchIdle } from '../../src/core/migrate/streams.js';

/**
 * The idle limit on transfers (issue #9), with fake streams: a transfer that stops moving
 * bytes is cut within the limit and says which host and what; one that keeps moving, however
 * long, is not. The real case (a SIGSTOPped receiver over ssh) is in migrateTimeouts.test.ts.
 */
interface Fake {
  runner: CommandRunner;
  cmd: StreamingCommand & { killed: boolean };
}

/** A fake side: stdout fed by `produce`; stdin read only while `reading()` says so. */
function fakeSide(where: string, opts: { produce?: (out: PassThrough) => void; reading?: () => boolean } = {}): Fake {
  const stdin = new PassThrough({ highWaterMark: 1024 });
  const stdout = new PassThrough();
  let finish!: (r: { exitCode: number; stderr: string }) => void;
  const done = new Promise<{ exitCode: number; stderr: string }>((r) => (finish = r));
  const reading = opts.reading ?? (() => true);
  const pump = setInterval(() => {
    if (reading()) while (stdin.read() !== null);
  }, 5);
  stdin.on('finish', () => {
    if (reading()) {
      clearInterval(pump);
      finish({ exitCode: 0, stderr: '' });
    }
  });
  const cmd = {
    stdin,
    stdout,
    done,
    killed: false,
    kill() {
      cmd.killed = true;
      clearInterval(pump);
      stdout.end();
      stdin.resume();
      finish({ exitCode: 143, stderr: '' });
    },
  };
  // A sender exits once what it wrote was read; a receiver once its stdin ended (above).
  if (opts.produce) stdout.on('end', () => finish({ exitCode: 0, stderr: '' }));
  opts.produce?.(stdout);
  if (!opts.produce) stdout.end();
  const runner: CommandRunner = {
    where: where,
    run: () => Promise.reject(new Error('unused')),
    runBinary: () => Promise.reject(new Error('unused')),
    spawnStream: () => cmd,
  };
  return { runner, cmd };
}

test('watchIdle fires once after the limit without a touch, never while touched', async () => {
  let fired = 0;
  const w = watchIdle(80, () => {
    fired++;
    return new Error('idle');
  });
  const keep = setInterval(() => w.touch(), 20);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(fired, 0, 'touched every 20 ms: never idle');
  clearInterval(keep);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(fired, 1);
  assert.equal(w.error?.message, 'idle');
  w.stop();
});

test('a receiver that stops reading: cut within the idle limit, both sides killed, the message names the host and what', async () => {
  let stopped = false;
  const src = fakeSide('ssh src', {
    produce: (out) => {
      const t = setInterval(() => {
        if (out.writableEnded) return clearInterval(t);
        out.write(Buffer.alloc(4096));
      }, 5);
    },
  });
  const dst = fakeSide('ssh root@host-b', { reading: () => !stopped });
  setTimeout(() => (stopped = true), 100);
  const t0 = Date.now();
  const err = await pipeCommands({ runner: src.runner, argv: ['x'] }, { runner: dst.runner, argv: ['y'] }, { idleMs: 200, what: 'the checkpoint cp1' }).then(
    () => assert.fail('should stall'),
    (e: unknown) => e,
  );
  const took = Date.now() - t0;
  assert.ok(err instanceof TransferError, String(err));
  assert.match(err.message, /the checkpoint cp1 from ssh src to ssh root@host-b stalled: no byte moved for 0 s/);
  assert.match(err.message, /the receiving side on ssh root@host-b stopped reading/);
  assert.ok(took >= 300 && took < 2_000, `cut after ${took} ms (limit 200 ms after 100 ms of flow)`);
  assert.ok(src.cmd.killed && dst.cmd.killed);
});

test('a sender that sends nothing: cut, and the message says the sending side', async () => {
  const src = fakeSide('ssh src', { produce: () => undefined });
  const dst = fakeSide('ssh dst');
  const err = await pipeCommands({ runner: src.runner, argv: ['x'] }, { runner: dst.runner, argv: ['y'] }, { idleMs: 150 }).then(
    () => assert.fail('should stall'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TransferError, String(err));
  assert.match(err.message, /nothing came from the sending side on ssh src/);
});

test('a slow but steady transfer longer than the limit is not cut', async () => {
  let sent = 0;
  const src = fakeSide('ssh src', {
    produce: (out) => {
      const t = setInterval(() => {
        if (++sent > 30) {
          clearInterval(t);
          out.end();
          return;
        }
        out.write(Buffer.alloc(100));
      }, 20);
    },
  });
  const dst = fakeSide('ssh dst');
  const bytes = await pipeCommands({ runner: src.runner, argv: ['x'] }, { runner: dst.runner, argv: ['y'] }, { idleMs: 150 });
  assert.equal(bytes, 3000);
});
