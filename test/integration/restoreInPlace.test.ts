import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectDocker, parseEndpoint } from '../../src/core/docker/connect.js';
import { DockerHost, LocalRunner } from '../../src/core/index.js';
import { PROBE_LABEL } from '../../src/core/probe/restoreTest.js';
import { forgetRestoreTests, restoreTestFile } from '../../src/core/probe/restoreTestCache.js';
import { ctrdLeftovers } from './helpers.js';

/**
 * The restore behaviour test on real daemons: host A (Docker 20.10) restores in place, host C
 * (Docker 28.5.2) fails with moby 50750. Each host gets a state folder of its own so the
 * shared cache under /var/lib/cryo is neither used nor changed.
 */
const state = mkdtempSync(join(tmpdir(), 'cryo-it-probe-'));
const opened: DockerHost[] = [];
after(async () => {
  await Promise.all(opened.map((h) => h.dispose()));
  rmSync(state, { recursive: true, force: true });
});

function hostAt(name: string, endpoint: string): DockerHost {
  const h = new DockerHost(name, endpoint, connectDocker(parseEndpoint(endpoint)), new LocalRunner(), state);
  opened.push(h);
  return h;
}

async function probeContainers(h: DockerHost): Promise<string[]> {
  return (await h.docker.listContainers({ all: true, filters: { label: [PROBE_LABEL] } })).map((c) => c.Names[0] ?? c.Id);
}

const cases = [
  { label: 'A', endpoint: 'unix:///var/run/docker.sock', ok: true, outcome: 'restored', reason: /restores into the same container/ },
  { label: 'C', endpoint: 'unix:///run/docker-c.sock', ok: false, outcome: 'netns-bug', reason: /bind-mount \/proc\/0\/ns\/net.*moby issue 50750/ },
] as const;

for (const c of cases) {
  test(`host ${c.label}: restoreInPlace ok=${c.ok} by the behaviour test, cached per daemon, nothing left behind`, async (t) => {
    forgetRestoreTests();
    const host = hostAt(`it-${c.label}`, c.endpoint);
    if (!(await host.docker.ping().then(() => true, () => false))) {
      if (c.label === 'A') assert.fail('host A must be reachable');
      t.skip(`host ${c.label} is not up`);
      return;
    }
    const leftoversBefore = new Set(await ctrdLeftovers());
    const t0 = performance.now();
    const first = await host.capabilities();
    const firstMs = performance.now() - t0;
    assert.equal(first.raw.restoreTest?.outcome, 'pending', 'first probe answers by version, test in the background');
    const key = first.raw.restoreTest!.key;
    assert.match(key, /^docker .+ \| containerd .+ \| id .+/);
    if (c.label === 'C') assert.equal(first.restoreInPlace.ok, false, 'Docker 28 is suspect before the test answers');

    const feature = await host.restoreInPlace();
    assert.equal(feature.ok, c.ok, feature.reason);
    assert.match(feature.reason ?? '', c.reason);
    const report = await host.capabilities();
    assert.equal(report.raw.restoreTest?.outcome, c.outcome);
    const durationMs = report.raw.restoreTest && 'durationMs' in report.raw.restoreTest ? report.raw.restoreTest.durationMs : undefined;
    t.diagnostic(`host ${c.label}: first capabilities() ${firstMs.toFixed(0)} ms; behaviour test ${durationMs} ms; ${feature.reason}`);

    // Cached on the host: a new client (memory forgotten) reads it and does not test again.
    const file = restoreTestFile(host, key);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).outcome, c.outcome);
    forgetRestoreTests();
    host.refresh();
    const again = await host.capabilities();
    assert.equal(again.raw.restoreTest?.outcome, c.outcome, 'read from the host file, not pending');
    assert.equal(again.restoreInPlace.ok, c.ok);

    assert.deepEqual(await probeContainers(host), [], 'probe container removed');
    const probeId = report.raw.restoreTest && 'containerId' in report.raw.restoreTest ? report.raw.restoreTest.containerId : undefined;
    assert.match(probeId ?? '', /^[0-9a-f]{64}$/, 'the test names its container');
    const leftoversAfter = (await ctrdLeftovers()).filter((p) => !leftoversBefore.has(p));
    // Others' restores may run (and clean up) meanwhile: a copy is ours only if its cgroup.img names our container.
    for (const p of leftoversAfter) {
      let cgroup = '';
      try {
        cgroup = readFileSync(`${p}/cgroup.img`, 'latin1');
      } catch {
        continue; // removed by its owner while we looked, or not a CRIU image folder
      }
      assert.ok(!cgroup.includes(probeId!), `containerd copy ${p} of the probe container was left`);
    }
  });
}
