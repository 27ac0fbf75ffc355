import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, formatBytes, parseCheckpointListing } from '../../src/core/host/listing.js';
import { extractCriuErrors, logPathsIn } from '../../src/core/engines/criuLog.js';
import { parseEndpoint } from '../../src/core/docker/connect.js';

test('checkpoint listing joins du and stat output by path', () => {
  const base = '/var/lib/docker/containers/abc/checkpoints';
  const du = `4096\t${base}/cp1\n1048576\t${base}/cp-two\n`;
  const stat = `${base}/cp1\t1700000000\n${base}/cp-two\t1700000100\n`;
  const list = parseCheckpointListing(['cp1', 'cp-two', 'gone'], base, du, stat);
  assert.deepEqual(list[0], { name: 'cp1', sizeBytes: 4096, createdAt: new Date(1_700_000_000_000) });
  assert.equal(list[1]?.sizeBytes, 1_048_576);
  assert.deepEqual(list[2], { name: 'gone' });
});

test('human formats for size and age', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(256 * 1024 * 1024), '256 MiB');
  const now = new Date(1_700_000_000_000);
  assert.equal(formatAge(new Date(now.getTime() - 42_000), now), '42s ago');
  assert.equal(formatAge(new Date(now.getTime() - 7_200_000), now), '2h ago');
});

test('CRIU errors are pulled out of a long log', () => {
  const log = ['(00.000010) Version: 4.1.1', '(00.001) Dumping task 1', '(00.002) Error (criu/mount-v2.c:100): mnt-v2: Failed to copy sharing from 1 to 2: Invalid argument', '(00.003) Unlock network'].join('\n');
  assert.equal(extractCriuErrors(log), 'Error (criu/mount-v2.c:100): mnt-v2: Failed to copy sharing from 1 to 2: Invalid argument');
  assert.deepEqual(logPathsIn('criu failed: type NOTIFY errno 0\nlog file: /run/containerd/x/restore.log: unknown'), ['/run/containerd/x/restore.log']);
});

test('Docker endpoints parse the way DOCKER_HOST spells them', () => {
  assert.deepEqual(parseEndpoint('unix:///run/docker-b.sock'), { scheme: 'unix', socketPath: '/run/docker-b.sock' });
  assert.deepEqual(parseEndpoint('ssh://root@127.0.0.1:2222'), { scheme: 'ssh', user: 'root', host: '127.0.0.1', port: 2222 });
  assert.deepEqual(parseEndpoint('tcp://docker.example:2375'), { scheme: 'tcp', host: 'docker.example', port: 2375 });
  assert.throws(() => parseEndpoint('unix://relative.sock'), /absolute/);
  assert.throws(() => parseEndpoint('ftp://x'), /Unsupported/);
});
