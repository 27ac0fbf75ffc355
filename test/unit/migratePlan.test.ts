import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { planTargetContainer } from '../../src/core/migrate/containerSpec.js';
import { CHANGE_ADDED, CHANGE_DELETED, CHANGE_MODIFIED, planFsCopy } from '../../src/core/migrate/fsDiff.js';

function inspect(over: { Config?: object; HostConfig?: object; Mounts?: object[] } = {}): Docker.ContainerInspectInfo {
  return {
    Id: 'a'.repeat(64),
    Image: 'sha256:abc',
    Name: '/web',
    Config: { Image: 'cryo-counter:latest', Cmd: ['/bin/sh', '/counter.sh'], Env: ['A=1'], WorkingDir: '/', User: '', Labels: { team: 'x' }, Tty: false, OpenStdin: false, Entrypoint: null, ...over.Config },
    HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Init: null, Memory: 0, ...over.HostConfig },
    Mounts: over.Mounts ?? [],
  } as unknown as Docker.ContainerInspectInfo;
}

test('the target container carries command, env, labels, restart policy and network mode', () => {
  const plan = planTargetContainer(inspect(), 'cryo-counter:latest', 'web');
  const c = plan.create as Record<string, unknown>;
  assert.equal(c['name'], 'web');
  assert.equal(c['Image'], 'cryo-counter:latest');
  assert.deepEqual(c['Cmd'], ['/bin/sh', '/counter.sh']);
  assert.deepEqual(c['Env'], ['A=1']);
  assert.deepEqual(c['Labels'], { team: 'x' });
  assert.equal('Entrypoint' in c, false, 'null fields are not sent');
  const hc = c['HostConfig'] as Record<string, unknown>;
  assert.equal(hc['NetworkMode'], 'none');
  assert.deepEqual(hc['RestartPolicy'], { Name: 'no', MaximumRetryCount: 0 });
  assert.deepEqual(plan.warnings, []);
  assert.equal(plan.network, undefined);
});

test('binds must exist on the target; volumes are created empty with a warning; named networks are required', () => {
  const plan = planTargetContainer(
    inspect({
      HostConfig: { NetworkMode: 'appnet' },
      Mounts: [
        { Type: 'bind', Source: '/srv/data', Destination: '/data', RW: true },
        { Type: 'volume', Name: 'cache', Source: '/var/lib/docker/volumes/cache/_data', Destination: '/cache', RW: false },
        { Type: 'npipe', Source: 'x', Destination: '/y', RW: true },
      ],
    }),
    'sha256:abc',
    'web2',
  );
  assert.deepEqual(plan.bindSources, ['/srv/data']);
  assert.equal(plan.network, 'appnet');
  const mounts = (plan.create.HostConfig as { Mounts: unknown[] }).Mounts;
  assert.deepEqual(mounts, [
    { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: false },
    { Type: 'volume', Source: 'cache', Target: '/cache', ReadOnly: true },
  ]);
  assert.equal(plan.warnings.length, 2);
  assert.match(plan.warnings[0]!, /Volume cache .* not copied/);
  assert.match(plan.warnings[1]!, /cannot be carried/);
});

test('fs copy plan: added folders whole, modified leaves only, never "/"', () => {
  const plan = planFsCopy([
    { Path: '/', Kind: CHANGE_MODIFIED },
    { Path: '/count', Kind: CHANGE_ADDED },
    { Path: '/tmp', Kind: CHANGE_MODIFIED },
    { Path: '/tmp/new', Kind: CHANGE_ADDED },
    { Path: '/tmp/new/a.txt', Kind: CHANGE_ADDED },
    { Path: '/tmp/new/old', Kind: CHANGE_DELETED },
    { Path: '/etc', Kind: CHANGE_MODIFIED },
    { Path: '/etc/motd', Kind: CHANGE_MODIFIED },
    { Path: '/etc/gone', Kind: CHANGE_DELETED },
    { Path: '/var/empty-changed', Kind: CHANGE_MODIFIED },
  ]);
  assert.deepEqual(plan.copy, ['/count', '/etc/motd', '/tmp/new', '/var/empty-changed']);
  assert.deepEqual(plan.deleted, ['/etc/gone']);
});

test('fs copy plan of an unchanged container is empty', () => {
  assert.deepEqual(planFsCopy([]), { copy: [], deleted: [] });
});
