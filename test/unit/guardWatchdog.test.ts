import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freezerOf, isFrozen } from '../../src/core/guard/freezer.js';
import { defaultMaxFrozenMs } from '../../src/core/guard/frozenWatchdog.js';
import { checkpointProcessTree, isCheckpointOf, parsePs } from '../../src/core/guard/processTree.js';

const ID = 'a9a41d601b26fca05e1912639c55d14fc5f3516ba71a6f2c63cd0fcd957ab528';
const OTHER = '7d1c79f7429da3a48fc5ff1931cbed4b0873fae8faf7bd3d051c64d302bd0901';

// Captured on host A during a runc engine dump and a Docker API dump (shim's runc), trimmed.
const PS = `
    1     0 /sbin/init
21828     1 /usr/bin/containerd-shim-runc-v2 -namespace moby -id ${ID} -address /var/run/docker/containerd/containerd.sock
21867 21828 /memhog 512 0
22554 22000 sudo -n -- runc --root /run/docker/runtime-runc/moby checkpoint --leave-running --image-path /var/lib/docker/containers/${ID}/checkpoints/cp --work-path /var/lib/cryo/work/x ${ID}
22556 22554 runc --root /run/docker/runtime-runc/moby checkpoint --leave-running --image-path /var/lib/docker/containers/${ID}/checkpoints/cp --work-path /var/lib/cryo/work/x ${ID}
22564 22556 criu: dump --rpc -t 21867
22570 22564 criu: dump --rpc -t 21867
30000 29999 runc --root /var/run/docker/runtime-runc/moby --log /x/log.json --log-format json checkpoint --image-path /tmp/ctd-checkpoint1 --work-path /x/criu-work --leave-running ${OTHER}
30001 30000 criu: dump --rpc -t 555
30100 1 runc --root /run/docker/runtime-runc/moby state ${ID}
30200 1 grep checkpoint ${ID}
`;

test('the checkpoint process tree of one container: runc (sudo included), CRIU and its children, nothing else', () => {
  const rows = parsePs(PS);
  assert.equal(rows.length, 11);
  assert.deepEqual(checkpointProcessTree(rows, ID, 99999), [22554, 22556, 22564, 22570]);
  // Docker's shim runs runc with --log options first: still found, and only for its container.
  assert.deepEqual(checkpointProcessTree(rows, OTHER, 99999), [30000, 30001]);
  assert.deepEqual(checkpointProcessTree(rows, 'f'.repeat(64), 99999), []);
});

test('a CRIU orphaned by its runc (dockerd and containerd killed) is found by the pid it dumps', () => {
  const rows = parsePs(`1 0 /sbin/init\n700 1 criu: dump --rpc -t 21867\n701 700 criu: dump --rpc -t 21867\n800 1 criu: dump --rpc -t 218670\n900 1 /usr/bin/criu dump -t 21867`);
  assert.deepEqual(checkpointProcessTree(rows, ID, 99999, 21867).sort(), [700, 701, 900]);
  assert.deepEqual(checkpointProcessTree(rows, ID, 99999), [], 'only when the pid is known');
});

test('never our own pid, never init', () => {
  const rows = parsePs(`1 0 runc checkpoint ${ID}\n500 1 runc checkpoint ${ID}\n501 500 criu`);
  assert.deepEqual(checkpointProcessTree(rows, ID, 500), []);
  assert.deepEqual(checkpointProcessTree(rows, ID, 42), [500, 501]);
});

test('a checkpoint of this container: runc, the word checkpoint, the id last', () => {
  assert.ok(isCheckpointOf(`/usr/sbin/runc --root /r checkpoint --pre-dump --image-path /a/pd1 ${ID}`, ID));
  assert.ok(!isCheckpointOf(`runc --root /r restore ${ID}`, ID));
  assert.ok(!isCheckpointOf(`runc --root /r checkpoint ${ID} extra`, ID));
  assert.ok(!isCheckpointOf(`myrunc checkpoint ${ID}`, ID));
  assert.ok(!isCheckpointOf(`grep runc checkpoint ${ID.slice(0, 12)}`, ID));
});

test('the freezer file of a cgroup v1 and a v2 container', () => {
  const v1 = `12:freezer:/docker/${ID}\n4:memory:/docker/${ID}\n0::/`;
  assert.deepEqual(freezerOf(v1), { version: 1, path: `/sys/fs/cgroup/freezer/docker/${ID}/freezer.state` });
  // Controllers can be co-mounted ("cpu,freezer").
  assert.deepEqual(freezerOf(`3:cpu,freezer:/x\n`)?.path, '/sys/fs/cgroup/freezer/x/freezer.state');
  const v2 = `0::/system.slice/docker-${ID}.scope\n`;
  assert.deepEqual(freezerOf(v2), { version: 2, path: `/sys/fs/cgroup/system.slice/docker-${ID}.scope/cgroup.freeze` });
  assert.equal(freezerOf('0::/\n')?.path, '/sys/fs/cgroup/cgroup.freeze');
  assert.equal(freezerOf(''), undefined);
  assert.ok(isFrozen({ version: 1, path: '' }, 'FREEZING\n'));
  assert.ok(isFrozen({ version: 1, path: '' }, 'FROZEN'));
  assert.ok(!isFrozen({ version: 1, path: '' }, 'THAWED\n'));
  assert.ok(isFrozen({ version: 2, path: '' }, '1\n'));
  assert.ok(!isFrozen({ version: 2, path: '' }, '0'));
});

test('the default frozen limit: 30 s plus 10 s per GiB in use, whole seconds', () => {
  assert.equal(defaultMaxFrozenMs(undefined), 30_000);
  assert.equal(defaultMaxFrozenMs(0), 30_000);
  assert.equal(defaultMaxFrozenMs(2 ** 30), 40_000);
  assert.equal(defaultMaxFrozenMs(8 * 2 ** 30), 110_000);
  assert.equal(defaultMaxFrozenMs(300 * 2 ** 20), 33_000);
});
