import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { parseChanges } from '../../src/core/migrate/fsDiff.js';
import { MigrationFailedError } from '../../src/core/migrate/state.js';
import { streamInto } from '../../src/core/migrate/streams.js';
import { abortError } from '../../src/core/exec/localRunner.js';

test("docker diff of a container without changes: dockerode's Buffer holding 'null' is no change at all", () => {
  assert.deepEqual(parseChanges(Buffer.from('null\n')), []);
  assert.deepEqual(parseChanges(null), []);
  assert.deepEqual(parseChanges('[{"Path":"/a","Kind":1}]'), [{ Path: '/a', Kind: 1 }]);
  assert.deepEqual(parseChanges([{ Path: '/b', Kind: 0 }]), [{ Path: '/b', Kind: 0 }]);
  assert.throws(() => parseChanges({ Path: '/a' }), /unexpected answer to docker diff/);
});

test("a cancel is an 'AbortError' (nothing changed) only while the source is untouched", () => {
  const before = new MigrationFailedError('image', abortError(), 'untouched', 'The source container was not touched. Nothing was created on B.', undefined, 'none');
  assert.equal(before.name, 'AbortError');
  const after = new MigrationFailedError('transfer', abortError(), 'restored', 'The source container was restored… The partial container on B was removed.', 'zstd', 'removed');
  assert.equal(after.name, 'MigrationFailedError');
  assert.match(after.message, /^Checkpoint transfer \(zstd\) cancelled\nThe source container was restored/);
  const stopped = new MigrationFailedError('filesystem', abortError(), 'stopped', 'x', undefined, 'removed');
  assert.equal(stopped.name, 'MigrationFailedError');
});

test('streamInto: a source that breaks mid-stream fails the copy at once and aborts the consumer', async () => {
  let n = 0;
  const from = new Readable({
    read() {
      n++;
      if (n < 3) this.push(Buffer.alloc(1024));
      else this.destroy(new Error('socket hang up'));
    },
  });
  let aborted = false;
  const t0 = Date.now();
  await assert.rejects(
    streamInto('copying /data', from, (body, abort) => new Promise((_resolve, reject) => {
      body.resume(); // a consumer that would wait for the end forever
      abort.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted'))));
    }), () => undefined),
    /copying \/data: the stream broke \(socket hang up\)/,
  );
  assert.ok(aborted, 'the consumer (the PUT to the target) was aborted');
  assert.ok(Date.now() - t0 < 1000);
});

test('streamInto: bytes are counted and the consumer result returned', async () => {
  let bytes = 0;
  const r = await streamInto('x', Readable.from([Buffer.alloc(10), Buffer.alloc(5)]), async (body) => {
    let got = 0;
    for await (const c of body) got += (c as Buffer).length;
    return got;
  }, (k) => (bytes += k));
  assert.equal(r, 15);
  assert.equal(bytes, 15);
});

test('a cancel after the freeze is recorded as cancelled, with the message that says where the container is', async () => {
  const { outcomeOf } = await import('../../src/core/records.js');
  const e = new MigrationFailedError('transfer', abortError(), 'restored', 'The source container was restored on a.', 'zstd', 'removed');
  const o = outcomeOf(e);
  assert.equal(o.outcome, 'cancelled');
  assert.match(o.error, /restored on a/);
  assert.deepEqual(outcomeOf(abortError()), { outcome: 'cancelled', error: 'Cancelled' });
});
