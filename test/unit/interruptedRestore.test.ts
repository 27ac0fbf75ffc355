import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonWentAway, interruptedRestoreMessage, staleCheckpointDigest } from '../../src/core/restore/interrupted.js';

test('the stale blob of an interrupted restore is recognised in Docker 20.10\'s answer (measured text)', () => {
  const msg = '(HTTP code 500) server error - failed to upload checkpoint to containerd: commit failed: content sha256:7e015cee8d5aa2186caa367b1d9c69fb7a3e54d676626a5cb7a5d8f359ad9fd6: already exists';
  assert.equal(staleCheckpointDigest(msg), 'sha256:7e015cee8d5aa2186caa367b1d9c69fb7a3e54d676626a5cb7a5d8f359ad9fd6');
  assert.equal(staleCheckpointDigest('Conflict. The container name "/x" is already in use'), undefined);
});

test('a daemon gone mid-call is told apart from Docker refusing the restore', () => {
  assert.ok(daemonWentAway('socket hang up'));
  assert.ok(daemonWentAway('connect ECONNREFUSED /var/run/docker.sock'));
  assert.ok(!daemonWentAway('(HTTP code 500) server error - criu failed: type RESTORE errno 0'));
  const m = interruptedRestoreMessage('unix:///var/run/docker.sock', 'web', 'cp1', 'socket hang up');
  assert.match(m, /went away during the restore of web from cp1 \(socket hang up\)/);
  assert.match(m, /checkpoint is intact/);
  assert.match(m, /if it is stopped, restore it again from cp1/);
  const mig = interruptedRestoreMessage('unix:///run/b.sock', 'web', 'cryo-mig-1', 'socket hang up', { migration: true });
  assert.doesNotMatch(mig, /restore it again/);
  assert.match(mig, /Do not restore the target again/);
});

test('the partial containerd ingest of a disk-full Docker checkpoint is found in its message (measured text), nothing else', async () => {
  const { failedIngestDir } = await import('../../src/core/docker/failedIngest.js');
  const msg =
    '(HTTP code 500) server error - Cannot checkpoint container fb67: write /var/lib/d/mnt/docker/containerd/daemon/io.containerd.content.v1.content/ingest/c5fddfef0fb44937da3b55e82cba8fd226f2c18ad4fd6d6acd4d4e35c8a608d8/data: no space left on device: unknown';
  assert.equal(failedIngestDir(msg), '/var/lib/d/mnt/docker/containerd/daemon/io.containerd.content.v1.content/ingest/c5fddfef0fb44937da3b55e82cba8fd226f2c18ad4fd6d6acd4d4e35c8a608d8');
  assert.equal(failedIngestDir('write /x/../io.containerd.content.v1.content/ingest/' + 'a'.repeat(64) + '/data: no space left on device'), undefined);
  assert.equal(failedIngestDir('criu failed: type NOTIFY errno 0'), undefined);
});
