import assert from 'node:assert/strict';
import type { DockerHost } from '../../src/core/index.js';
import { readCount, sleep } from './helpers.js';

/**
 * The continuity check a cold restart cannot pass: after a restore, the first value that
 * differs from the frozen one lies in (frozen, frozen + k], k being the ticks (0.2 s each) the
 * restored process had time for plus a slack (20 ticks: the time between the restore and the
 * first read, on a loaded host). A restart from scratch reads 1, 2…;
 * a stale file (nothing running) never differs.
 *
 * A leave-running dump restored after the container ran on (killed later, periodic versions)
 * knows its value only within bounds: read before the dump (`low`, exclusive) and after it
 * (`frozen`); the file then holds a later value (`stale`) until the restored process writes.
 */
export async function assertContinues(
  host: DockerHost,
  id: string,
  frozen: number,
  opts: { tickMs?: number; slack?: number; timeoutMs?: number; path?: (host: DockerHost, id: string) => Promise<number>; low?: number; stale?: number } = {},
): Promise<number> {
  const tickMs = opts.tickMs ?? 200;
  const read = opts.path ?? readCount;
  const t0 = Date.now();
  for (;;) {
    const v = await read(host, id);
    if (v !== (opts.stale ?? frozen)) {
      const k = Math.ceil((Date.now() - t0) / tickMs) + (opts.slack ?? 20);
      const low = opts.low ?? frozen;
      assert.ok(v > low && v <= frozen + k, `after the restore the counter read ${v}; expected in (${low}, ${frozen + k}] (a restart from scratch reads small values)`);
      return v;
    }
    if (Date.now() - t0 > (opts.timeoutMs ?? 20_000)) assert.fail(`the counter stayed at ${v}, the value before the restore: nothing runs`);
    await sleep(50);
  }
}
