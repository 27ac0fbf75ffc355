import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type Docker from 'dockerode';
import { externalNetnsImage, isExternalNetns, netNsIdOf, rootPidOf } from '../../src/core/restore/criuNetns.js';
import { heldCreateOptions, HOLDER_FOR_LABEL, planHolder } from '../../src/core/restore/holder.js';
import { decideRestoreRoute, describeRoute, migrationTargetForm, type RestoreFacts } from '../../src/core/restore/restorability.js';
import { restoredMessage, targetFormLine } from '../../src/core/restore/messages.js';

const BROKEN = { ok: false, reason: 'Docker 28.5.2 cannot restore a checkpoint into a container with its own network namespace (moby issue 50750)' };

function facts(over: { host?: Partial<RestoreFacts['host']>; container?: Partial<RestoreFacts['container']> } = {}): RestoreFacts {
  return {
    host: { name: 'c', restoreInPlace: BROKEN, privileged: { ok: true }, ...over.host },
    container: { name: 'web', networkMode: 'none', networkDisabled: false, networks: [{ name: 'none', aliases: [] }], mounts: [], publishesPorts: false, ...over.container },
  };
}

describe('decideRestoreRoute', () => {
  test('a host that restores in place: in place, whatever the network', () => {
    assert.deepEqual(decideRestoreRoute(facts({ host: { restoreInPlace: { ok: true } }, container: { networkMode: 'appnet' } })), { route: 'in-place' });
  });

  test('Docker 28, own netns (none or a network): recreated, and the changes say so', () => {
    const none = decideRestoreRoute(facts());
    assert.equal(none.route, 'recreate');
    assert.ok(none.route === 'recreate' && none.changes.some((c) => c.includes('network mode none → container:<holder>') && c.includes('(still none)')));
    const net = decideRestoreRoute(facts({ container: { networkMode: 'appnet', networks: [{ name: 'appnet', aliases: ['api'] }], publishesPorts: true } }));
    assert.equal(net.route, 'recreate');
    const text = describeRoute(net);
    assert.match(text, /^Restore will recreate the container: /);
    assert.match(text, /appnet: IP address assigned anew \(may differ\), aliases api and the name web kept on the holder/);
    assert.match(text, /published ports move to the holder/);
    const fixed = decideRestoreRoute(facts({ container: { networkMode: 'appnet', networks: [{ name: 'appnet', aliases: [], ipv4: '10.9.0.5' }] } }));
    assert.match(describeRoute(fixed), /static address 10\.9\.0\.5 kept/);
  });

  test('Docker 28: host networking, NetworkDisabled and container:<x> restore in place (verified on 28.5.2)', () => {
    assert.equal(decideRestoreRoute(facts({ container: { networkMode: 'host' } })).route, 'in-place');
    assert.equal(decideRestoreRoute(facts({ container: { networkDisabled: true } })).route, 'in-place');
    const held = decideRestoreRoute(facts({ container: { networkMode: 'container:abc', networkOwner: { name: 'web-cryo-net-x', running: false, cryoHolder: true } } }));
    assert.deepEqual(held, { route: 'in-place', note: 'its network holder web-cryo-net-x is started first' });
    assert.deepEqual(decideRestoreRoute(facts({ container: { networkMode: 'container:abc', networkOwner: { name: 'db', running: true, cryoHolder: false } } })), { route: 'in-place' });
  });

  test('refusals name the reason: owner gone, no privileges, a mount that cannot be carried', () => {
    const gone = decideRestoreRoute(facts({ host: { restoreInPlace: { ok: true } }, container: { networkMode: 'container:abc' } }));
    assert.equal(gone.route, 'refused');
    assert.match(describeRoute(gone), /shares the network of abc, which no longer exists/);
    const unpriv = decideRestoreRoute(facts({ host: { privileged: { ok: false, reason: 'no passwordless sudo' } } }));
    assert.ok(unpriv.route === 'refused' && /moby issue 50750.*needs root on c to copy Docker's checkpoint folders: no passwordless sudo/.test(unpriv.reason), JSON.stringify(unpriv));
    const mount = decideRestoreRoute(facts({ container: { mounts: [{ type: 'bind', destination: '/data' }, { type: 'npipe', destination: '/pipe' }] } }));
    assert.ok(mount.route === 'refused' && mount.reason.includes('cannot carry its mount /pipe (type npipe)'));
    // The same mount is no obstacle where Docker restores in place.
    assert.equal(decideRestoreRoute(facts({ host: { restoreInPlace: { ok: true } }, container: { mounts: [{ type: 'npipe', destination: '/pipe' }] } })).route, 'in-place');
  });
});

describe('migrationTargetForm', () => {
  test('to a Docker 28 host: held; to a host that restores in place: plain', () => {
    const held = migrationTargetForm(facts({ container: { networkMode: 'appnet', networks: [{ name: 'appnet', aliases: [] }] } }));
    assert.equal(held.form, 'held');
    assert.ok(held.form === 'held' && !held.changes.some((c) => c.startsWith('new container id')));
    assert.deepEqual(migrationTargetForm(facts({ host: { restoreInPlace: { ok: true } } })), { form: 'plain' });
  });

  test('a source already held by a Cryo holder is held on any target (its dump expects a netns by path)', () => {
    const f = facts({ host: { restoreInPlace: { ok: true } }, container: { networkMode: 'container:abc', networkOwner: { name: 'h', running: true, cryoHolder: true, networkMode: 'none' } } });
    const form = migrationTargetForm(f);
    assert.equal(form.form, 'held');
  });

  test('refused before the freeze when the target could not restore it', () => {
    const form = migrationTargetForm(facts({ host: { privileged: { ok: false, reason: 'not root' } } }));
    assert.equal(form.form, 'refused');
  });
});

describe('CRIU netns image', () => {
  // Captured from a real Docker 28.5.2 checkpoint of the counter (pstree.img, ids-1.img).
  const pstree = Buffer.from('1943565430302750' + '0a000000' + '08011000180120012801', 'hex');
  const ids = Buffer.from('19435654302043541800000008021002180220022809300a380b400c480d500758086005', 'hex');

  test('reads the root pid and its netns id', () => {
    assert.equal(rootPidOf(pstree), 1);
    assert.equal(netNsIdOf(ids), 10);
  });

  test('the external netns image round-trips and is recognised', () => {
    const img = externalNetnsImage();
    assert.equal(img.readUInt32LE(0), 0x54564319);
    assert.equal(img.readUInt32LE(4), 0x55933752);
    assert.equal(img.subarray(12).toString('latin1'), '\x42\x0cextRootNetNS');
    assert.equal(isExternalNetns(img), true);
    // A netns image with only sysctls (def_conf = 1, repeated varints) is not external.
    const plain = Buffer.concat([img.subarray(0, 8), Buffer.from([4, 0, 0, 0, 0x08, 0x01, 0x08, 0x02])]);
    assert.equal(isExternalNetns(plain), false);
  });

  test('a file that is not the expected image is refused', () => {
    assert.throws(() => rootPidOf(ids), /not a CRIU image of the expected kind/);
    assert.throws(() => netNsIdOf(Buffer.from('1943565430204354ff000000', 'hex')), /truncated/);
  });
});

describe('planHolder / heldCreateOptions', () => {
  const inspect = {
    Id: 'f'.repeat(64),
    Name: '/web',
    Config: { Image: 'app', Hostname: 'web-host', ExposedPorts: { '80/tcp': {} } },
    HostConfig: { NetworkMode: 'appnet', PortBindings: { '80/tcp': [{ HostPort: '8080' }] }, Dns: [] },
    NetworkSettings: { Networks: { appnet: { Aliases: ['api', 'ffffffffffff'], IPAMConfig: null }, other: { Aliases: null, IPAMConfig: { IPv4Address: '10.1.0.9' } } } },
  } as unknown as Docker.ContainerInspectInfo;

  test('the holder owns network, aliases + name, hostname and ports; the container joins it', () => {
    const plan = planHolder(inspect, 'web', 'web-cryo-net-1', 'cryo-pause:1');
    const create = plan.create as unknown as Record<string, any>;
    assert.equal(plan.networkMode, 'appnet');
    assert.equal(create['Hostname'], 'web-host');
    assert.deepEqual(create['Labels'][HOLDER_FOR_LABEL], 'web');
    assert.deepEqual(create['NetworkingConfig'].EndpointsConfig.appnet.Aliases, ['api', 'web']);
    assert.deepEqual(create['HostConfig'].PortBindings, { '80/tcp': [{ HostPort: '8080' }] });
    assert.equal(create['HostConfig'].Dns, undefined, 'empty lists are left out');
    assert.deepEqual(plan.extraNetworks, [{ name: 'other', config: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.1.0.9' } } }]);

    const held = heldCreateOptions({ name: 'web-new', Image: 'app', Hostname: 'web-host', ExposedPorts: { '80/tcp': {} }, HostConfig: { NetworkMode: 'appnet', PortBindings: {}, Memory: 5 } }, 'h1') as unknown as Record<string, any>;
    assert.deepEqual(held, { name: 'web-new', Image: 'app', HostConfig: { NetworkMode: 'container:h1', Memory: 5 } });
  });

  test('a none-mode container gets a none-mode holder', () => {
    const none = { ...inspect, HostConfig: { NetworkMode: 'none' }, NetworkSettings: { Networks: { none: {} } } } as unknown as Docker.ContainerInspectInfo;
    const plan = planHolder(none, 'web', 'h', 'cryo-pause:1');
    assert.equal(plan.networkMode, 'none');
    assert.equal((plan.create as unknown as Record<string, unknown>)['NetworkingConfig'], undefined);
    assert.deepEqual(plan.extraNetworks, []);
  });
});

describe('messages', () => {
  test('the restore notice says the container was recreated and what changed', () => {
    const base = { kind: 'restore' as const, id: 'r', host: 'c', container: 'web', containerId: 'n'.repeat(64), checkpointName: 'cp1', startedAt: '', wallMs: 1234, outcome: 'ok' as const };
    assert.equal(restoredMessage(base), 'web restored from cp1 in 1.23 s.');
    const msg = restoredMessage({ ...base, recreated: { oldId: 'o'.repeat(64), changes: ['network mode none → container:web-cryo-net-x: a small Cryo holder container now owns the network (still none)', 'address now appnet: 172.17.0.2'] } });
    assert.match(msg, /^web restored from cp1 in 1\.23 s by recreating it \(Docker here cannot restore it in place\): network mode none → container:web-cryo-net-x.*; address now appnet: 172\.17\.0\.2\.$/);
  });

  test('the migrate confirmation names the held form, or the refusal', () => {
    assert.equal(targetFormLine({ form: 'plain' }, 'a'), undefined);
    assert.equal(targetFormLine({ form: 'held', why: 'Docker 28.5.2 …', changes: ['x', 'y'] }, 'host-c'), 'On host-c the container is created so that its restore works (Docker 28.5.2 …): x; y.');
    assert.equal(targetFormLine({ form: 'refused', reason: 'no root' }, 'host-c'), 'Cannot migrate to host-c: no root');
  });
});
