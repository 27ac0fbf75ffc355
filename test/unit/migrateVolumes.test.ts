import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { planTargetContainer } from '../../src/core/migrate/containerSpec.js';
import { describeVolumePlan, underMount, volumeReceiveArgv, volumeSendArgv } from '../../src/core/migrate/volumes.js';

test('volume copy argv: paths stay out of the shell line; numeric owners; deletions replayed on extraction', () => {
  const send = volumeSendArgv('zstd', '/var/lib/docker/volumes/a b;$(x)/_data', '/var/lib/cryo/volume-snapshots/id/a.snar');
  assert.deepEqual(send.slice(3), ['sh', '/var/lib/docker/volumes/a b;$(x)/_data', '/var/lib/cryo/volume-snapshots/id/a.snar']);
  assert.match(send[2]!, /--numeric-owner --listed-incremental="\$2"/);
  const recv = volumeReceiveArgv('gzip', '/t');
  assert.match(recv[2]!, /^gzip -dc \| tar -C "\$1" --numeric-owner --listed-incremental=\/dev\/null -xf -$/);
});

test('paths under a mount are not the container layer', () => {
  assert.ok(underMount('/root', ['/root']));
  assert.ok(underMount('/root/x', ['/root']));
  assert.ok(!underMount('/rootfs', ['/root']));
  assert.ok(!underMount('/etc/x', ['/root', '/data']));
});

test('the plan says which volumes are copied and which mounts cannot travel', () => {
  const lines = describeVolumePlan({ travel: [{ name: 'db', destination: '/var/lib/mysql', mountpoint: '/m' }], stay: [{ destination: '/srv', what: 'bind mount of /srv', why: 'a host path' }] }, 'copy');
  assert.match(lines[0]!, /Volume db \(\/var\/lib\/mysql\) is copied/);
  assert.match(lines[1]!, /\/srv: bind mount of \/srv cannot travel/);
  assert.match(describeVolumePlan({ travel: [{ name: 'db', destination: '/d', mountpoint: '/m' }], stay: [] }, 'skip')[0]!, /is NOT copied/);
});

test('a copied volume is mounted NoCopy on the target, without the "not copied" warning', () => {
  const inspect = {
    Config: { Image: 'x' }, HostConfig: { NetworkMode: 'none' },
    Mounts: [{ Type: 'volume', Name: 'db', Source: '/m', Destination: '/var/lib/mysql', RW: true, Driver: 'local' }],
  } as unknown as Docker.ContainerInspectInfo;
  const copied = planTargetContainer(inspect, 'x', 'n', new Set(['db']));
  assert.deepEqual((copied.create.HostConfig as { Mounts: unknown[] }).Mounts[0], { Type: 'volume', Source: 'db', Target: '/var/lib/mysql', ReadOnly: false, VolumeOptions: { NoCopy: true } });
  assert.equal(copied.warnings.length, 0);
  assert.match(planTargetContainer(inspect, 'x', 'n').warnings[0]!, /not copied/);
});
