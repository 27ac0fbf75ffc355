import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { discoverHosts, readContextMetas } from '../../src/core/hosts/discover.js';
import {
  checkSettingEntry,
  contextHostSpecs,
  discoverHostSpecs,
  endpointKey,
  envHostSpec,
  mergeHostSpecs,
  settingHostSpecs,
  type HostSpec,
} from '../../src/core/hosts/sources.js';

/** A fake home with a docker config dir as the docker CLI writes it (contexts/meta/<sha256>/meta.json). */
let home: string;

function meta(name: string, host: string): string {
  return JSON.stringify({ Name: name, Metadata: { Description: '' }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } });
}

before(() => {
  home = mkdtempSync(join(tmpdir(), 'cryo-home-'));
  const metaDir = join(home, '.docker', 'contexts', 'meta');
  const write = (hash: string, text: string) => {
    mkdirSync(join(metaDir, hash), { recursive: true });
    writeFileSync(join(metaDir, hash, 'meta.json'), text);
  };
  write('0a1b', meta('host-b', 'ssh://root@127.0.0.1:2222'));
  write('1c2d', meta('prod', 'ssh://deploy@prod.example.com'));
  write('2e3f', meta('same-as-local', 'unix:///var/run/docker.sock'));
  write('3a4b', '{ not json');
  write('4c5d', JSON.stringify({ Name: 'no-endpoint', Endpoints: {} }));
  write('5e6f', meta('odd+name', 'tcp://127.0.0.1:2375'));
  write('6a7b', meta('evil', 'ssh://-oProxyCommand=touch@x'));
  mkdirSync(join(metaDir, 'empty-dir'));
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: {}, currentContext: 'prod' }));
});

after(() => rmSync(home, { recursive: true, force: true }));

test('contexts: read from meta.json files, current one marked and first, bad ones explained', () => {
  const metas = readContextMetas(join(home, '.docker'));
  assert.equal(metas.length, 7);
  const { hosts, problems } = contextHostSpecs(metas, JSON.stringify({ currentContext: 'prod' }), {});
  assert.deepEqual(
    hosts.map((h) => [h.name, h.endpoint, h.current ?? false]),
    [
      ['prod', 'ssh://deploy@prod.example.com', true],
      ['host-b', 'ssh://root@127.0.0.1:2222', false],
      ['odd-name', 'tcp://127.0.0.1:2375', false],
      ['same-as-local', 'unix:///var/run/docker.sock', false],
    ],
  );
  assert.ok(hosts.every((h) => h.source === 'context'));
  assert.equal(problems.length, 3);
  assert.match(problems.join('\n'), /3a4b\/meta\.json is not valid JSON/);
  assert.match(problems.join('\n'), /4c5d\/meta\.json has no name or no docker endpoint/);
  assert.match(problems.join('\n'), /"evil" .* skipped: Invalid SSH user/);
});

test('contexts: DOCKER_CONTEXT beats config.json; a broken config.json is reported', () => {
  const metas = readContextMetas(join(home, '.docker'));
  const viaEnv = contextHostSpecs(metas, JSON.stringify({ currentContext: 'prod' }), { DOCKER_CONTEXT: 'host-b' });
  assert.deepEqual(viaEnv.hosts.filter((h) => h.current).map((h) => h.name), ['host-b']);
  const broken = contextHostSpecs(metas, '{', {});
  assert.ok(broken.hosts.every((h) => !h.current));
  assert.match(broken.problems[0] ?? '', /config\.json is not valid JSON/);
  assert.deepEqual(readContextMetas(join(home, 'nowhere')), []);
});

test('DOCKER_HOST: a host of its own, ignored with a reason when unusable', () => {
  assert.deepEqual(envHostSpec({ DOCKER_HOST: 'ssh://root@127.0.0.1:2222' }).hosts, [{ name: 'DOCKER_HOST', endpoint: 'ssh://root@127.0.0.1:2222', source: 'env' }]);
  assert.deepEqual(envHostSpec({}).hosts, []);
  const bad = envHostSpec({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' });
  assert.deepEqual(bad.hosts, []);
  assert.match(bad.problems[0] ?? '', /DOCKER_HOST="npipe.*" is ignored/);
});

test('the cryo.hosts setting: validated per entry, ~ expanded, duplicates and junk skipped with reasons', () => {
  const { hosts, problems } = settingHostSpecs(
    [
      { name: 'host-b', endpoint: 'ssh://root@127.0.0.1:2222', identityFile: '~/keys/id_b', knownHostsFile: '/etc/cryo/known_hosts' },
      { name: 'plain', endpoint: ' unix:///run/docker-b.sock ' },
      { name: 'host-b', endpoint: 'ssh://root@other' },
      { name: 'x', endpoint: 'ssh://root@h' },
      { name: 'bad endpoint', endpoint: 'ssh://root@h' },
      { name: 'nope', endpoint: 'http://h' },
      { name: 'rel', endpoint: 'ssh://h', identityFile: 'keys/id' },
      { name: 'tcp-key', endpoint: 'tcp://127.0.0.1:2375', identityFile: '/k' },
      { name: 'noendpoint' },
      'string',
      null,
    ],
    home,
  );
  assert.deepEqual(hosts, [
    { name: 'host-b', endpoint: 'ssh://root@127.0.0.1:2222', source: 'setting', ssh: { identityFile: join(home, 'keys/id_b'), knownHostsFile: '/etc/cryo/known_hosts' } },
    { name: 'plain', endpoint: 'unix:///run/docker-b.sock', source: 'setting' },
  ]);
  assert.equal(problems.length, 9);
  assert.match(problems[0] ?? '', /cryo\.hosts\[2\]: the name "host-b" is used twice/);
  assert.match(problems[1] ?? '', /cryo\.hosts\[3\]: the name "x" is invalid/);
  assert.match(problems[3] ?? '', /cryo\.hosts\[5\]: host "nope": Unsupported Docker endpoint/);
  assert.match(problems[4] ?? '', /must be an absolute path/);
  assert.match(problems[5] ?? '', /only applies to ssh:\/\/ endpoints/);
  assert.match(problems[6] ?? '', /has no endpoint/);
  assert.deepEqual(settingHostSpecs('nonsense', home).problems.length, 1);
  assert.deepEqual(settingHostSpecs(undefined, home), { hosts: [], problems: [] });
  assert.equal(typeof checkSettingEntry({ name: 'ok', endpoint: 'ssh://u@h:22' }, home), 'object');
});

test('endpoint keys: the same daemon spelled differently is one key', () => {
  assert.equal(endpointKey('unix:///var//run/./docker.sock'), 'unix:///var/run/docker.sock');
  assert.equal(endpointKey('unix:///var/run/docker.sock', (p) => p.replace('/var/run', '/run')), 'unix:///run/docker.sock');
  assert.equal(endpointKey('tcp://LOCALHOST'), endpointKey('tcp://localhost:2375'));
  assert.equal(endpointKey('ssh://root@Host-B:2222/'), endpointKey('ssh://root@host-b:2222'));
  assert.notEqual(endpointKey('ssh://root@h'), endpointKey('ssh://root@h:22'), 'ssh config may give a port');
  assert.notEqual(endpointKey('ssh://root@h:22'), endpointKey('ssh://admin@h:22'));
});

test('merge: one host per daemon, the more explicit source wins, names stay unique, stable order', () => {
  const specs: HostSpec[] = [
    { name: 'local', endpoint: 'unix:///var/run/docker.sock', source: 'local' },
    { name: 'DOCKER_HOST', endpoint: 'unix:///run/docker.sock', source: 'env' },
    { name: 'host-b', endpoint: 'ssh://root@127.0.0.1:2222', source: 'context', current: true },
    { name: 'local', endpoint: 'tcp://127.0.0.1:2375', source: 'context' },
    { name: 'b-over-ssh', endpoint: 'ssh://root@127.0.0.1:2222', source: 'setting', ssh: { identityFile: '/k' } },
    { name: 'other', endpoint: 'unix:///run/docker-b.sock', source: 'setting' },
  ];
  const { hosts, problems } = mergeHostSpecs(specs, (p) => p.replace(/^\/var\/run\//, '/run/'));
  assert.deepEqual(
    hosts.map((h) => [h.name, h.source, h.aliases ?? []]),
    [
      ['DOCKER_HOST', 'env', ['local']],
      ['local', 'context', []],
      ['b-over-ssh', 'setting', ['host-b']],
      ['other', 'setting', []],
    ],
  );
  assert.equal(hosts[2]?.current, true, 'merged in from the current context');
  assert.deepEqual(hosts[2]?.ssh, { identityFile: '/k' }, 'the setting keeps its ssh options');
  assert.equal(problems.length, 0, 'the local daemon was merged into DOCKER_HOST, so the name "local" was free');
  const clash = mergeHostSpecs([
    { name: 'local', endpoint: 'unix:///var/run/docker.sock', source: 'local' },
    { name: 'local', endpoint: 'ssh://root@h', source: 'context' },
    { name: 'local-context', endpoint: 'ssh://root@h2', source: 'setting' },
  ]);
  assert.deepEqual(clash.hosts.map((h) => h.name), ['local', 'local-context', 'local-context-setting']);
  assert.equal(clash.problems.length, 2);
  assert.match(clash.problems[0] ?? '', /Two hosts are named "local"; the Docker context one \(ssh:\/\/root@h\) is shown as "local-context"/);
});

test('discover: local is always there when nothing else is, and dropped when its socket is missing but others exist', () => {
  const none = discoverHostSpecs({ env: {}, home, setting: [], contextMetas: [], localSocketExists: false });
  assert.deepEqual(none.hosts.map((h) => h.name), ['local']);
  const withB = discoverHostSpecs({ env: {}, home, setting: [{ name: 'host-b', endpoint: 'ssh://root@127.0.0.1:2222' }], contextMetas: [], localSocketExists: false });
  assert.deepEqual(withB.hosts.map((h) => h.name), ['host-b']);
  const both = discoverHostSpecs({ env: {}, home, setting: [{ name: 'host-b', endpoint: 'ssh://root@127.0.0.1:2222' }], contextMetas: [], localSocketExists: true });
  assert.deepEqual(both.hosts.map((h) => h.name), ['local', 'host-b']);
});

test('discover from a fixture home: contexts, DOCKER_HOST and the setting together', () => {
  const { hosts, problems } = discoverHosts([{ name: 'b-setting', endpoint: 'ssh://root@127.0.0.1:2222', identityFile: '~/id' }], { DOCKER_HOST: 'unix:///run/docker-b.sock' }, home);
  const byName = new Map(hosts.map((h) => [h.name, h]));
  assert.ok(byName.has('DOCKER_HOST'));
  assert.ok(byName.has('prod') && byName.get('prod')?.current);
  assert.equal(byName.get('b-setting')?.aliases?.[0], 'host-b', 'the context for the same endpoint was merged into the setting');
  assert.equal(byName.get('b-setting')?.ssh?.identityFile, join(home, 'id'));
  assert.equal(new Set(hosts.map((h) => h.name)).size, hosts.length, 'names are unique');
  assert.equal(new Set(hosts.map((h) => endpointKey(h.endpoint))).size, hosts.length, 'endpoints are unique');
  assert.equal(problems.length, 3, problems.join('\n'));
});
