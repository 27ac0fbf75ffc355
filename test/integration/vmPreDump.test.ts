import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkpointContainer, DockerHost, migrateContainer, MigrationFailedError, restoreContainer, startPeriodic, UnavailableError, type TickerEvent } from '../../src/core/index.js';
import { isRunning, readCount, readFile, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';

/**
 * Cryo's pre-dump and pre-copy migration on the stock-kernel VM host (scripts/vm/start.sh
 * --with-daemon-b), where CRIU can track dirty memory. Under TCG everything is ~10x slower
 * than on this machine: timeouts are generous and nothing here asserts a duration.
 */
const SSH_CONFIG = process.env.CRYO_VM_SSH_CONFIG ?? '/var/lib/cryo/vm/ssh/config';
const skip = process.env.CRYO_VM === '1' ? false : 'VM host tests are opt-in: scripts/vm/start.sh --with-daemon-b, then CRYO_VM=1';
const SLOW = 120_000;

describe('pre-dump on the VM host', { skip, timeout: 15 * 60_000 }, () => {
  let vm: DockerHost;
  let vmB: DockerHost;
  const local = DockerHost.local();
  const made: [() => DockerHost, string][] = [];

  before(async () => {
    vm = DockerHost.ssh('vm', 'ssh://cryo-vm', { sshConfigFile: SSH_CONFIG });
    vmB = DockerHost.ssh('vm-b', 'ssh://cryo-vm-b', { sshConfigFile: SSH_CONFIG });
    const caps = await vm.capabilities();
    assert.ok(caps.preDump.ok, `the VM host must report pre-dump support: ${caps.preDump.reason}`);
  });

  after(async () => {
    for (const [h, id] of made) await removeContainer(h(), id);
    await Promise.all([vm.dispose(), vmB.dispose()]);
  });

  async function counter(host: DockerHost, prefix: string, image = 'cryo-counter:latest', cmd?: string[]): Promise<string> {
    const id = await runContainer(host, image, uniqueName(prefix), cmd);
    made.push([() => host, id]);
    await waitFor('counting', async () => ((await readCount(host, id)) >= 3 ? true : undefined), SLOW);
    return id;
  }

  test('the local host offers no pre-dump, the VM does: capability reasons differ', async () => {
    const here = await local.capabilities();
    assert.equal(here.preDump.ok, false);
    assert.match(here.preDump.reason ?? '', /soft-dirty/);
    assert.equal((await vm.capabilities()).preDump.ok, true);
  });

  test('pre-dump, then the final dump, restore through Docker: the counter continues', async () => {
    const id = await counter(vm, 'vmpd');
    const rec = await checkpointContainer(vm, id, { name: 'with-predump', leaveRunning: false, preDump: true });
    assert.equal(rec.outcome, 'ok');
    assert.equal(rec.engine, 'runc');
    assert.equal(rec.options.preDump, true);
    assert.equal(rec.preDumpRounds?.length, 1);
    assert.ok((rec.preDumpRounds?.[0]?.criu?.pagesWritten ?? 0) > 0, 'the pre-dump wrote pages');
    assert.ok(rec.criu, 'stats of the final dump');
    await waitFor('stopped', async () => ((await isRunning(vm, id)) ? undefined : true), SLOW);
    const frozenAt = await readCount(vm, id);
    await restoreContainer(vm, id, 'with-predump');
    const next = await waitFor('counts on', async () => {
      const v = await readCount(vm, id);
      return v > frozenAt ? v : undefined;
    }, SLOW);
    assert.ok(next > frozenAt);
  });

  test('a container that dirties little memory writes less in its second pre-dump round', async () => {
    const id = await counter(vm, 'vmhog', 'cryo-memhog:latest', ['/memhog', '48', '1']);
    const rec = await checkpointContainer(vm, id, { name: 'rounds', leaveRunning: true, preDump: { maxRounds: 2, smallRoundPages: 0, growth: Number.POSITIVE_INFINITY } });
    const [first, second] = rec.preDumpRounds ?? [];
    assert.ok(first?.criu && second?.criu, 'two rounds with stats');
    assert.ok(second.criu.pagesWritten < first.criu.pagesWritten / 2, `round 2 wrote ${second.criu.pagesWritten} pages vs ${first.criu.pagesWritten}`);
    assert.ok(second.criu.pagesSkippedParent > 0, 'round 2 skipped pages its parent had');
    assert.ok((rec.criu?.pagesWritten ?? Infinity) < first.criu.pagesWritten, 'the final dump only writes the delta');
  });

  test('pre-copy migration between the two daemons of the VM keeps the counter and files', async () => {
    const id = await counter(vm, 'vmmig', 'cryo-counter:latest', ['/bin/sh', '-c', 'echo "precopy-$$" > /marker.txt; exec /bin/sh /counter.sh']);
    const name = (await vm.docker.getContainer(id).inspect()).Name.slice(1);
    const marker = await readFile(vm, id, '/marker.txt');
    const rec = await migrateContainer(vm, vmB, name);
    assert.equal(rec.outcome, 'ok');
    assert.ok((rec.precopyRounds?.length ?? 0) >= 1, 'memory was shipped while the container ran');
    const frozenAt = await readCount(vm, id);
    const bId = (await vmB.docker.getContainer(name).inspect()).Id;
    made.push([() => vmB, bId]);
    const next = await waitFor('B counts past the freeze', async () => {
      const v = await readCount(vmB, bId);
      return v > frozenAt ? v : undefined;
    }, SLOW);
    assert.ok(next > frozenAt);
    assert.equal(await readFile(vmB, bId, '/marker.txt'), marker);
    assert.ok(rec.downtimeMs !== undefined && rec.downtimeMs < rec.totalMs);
  });

  test('pre-copy that ends with a full dump: the shipped rounds are dropped on both sides and the counter continues', async () => {
    // What 'auto' picks when the target's history says restoring rounds costs more than they save.
    const id = await counter(vm, 'vmfull', 'cryo-memhog:latest', ['/memhog', '8', '20']);
    const name = (await vm.docker.getContainer(id).inspect()).Name.slice(1);
    const rec = await migrateContainer(vm, vmB, name, { precopyFinish: 'full-dump' });
    assert.equal(rec.outcome, 'ok', rec.error);
    assert.ok((rec.precopyRounds?.length ?? 0) >= 1, 'rounds were shipped while it ran');
    assert.equal(rec.precopyFinish?.finish, 'full-dump');
    assert.ok(rec.criu && rec.criu.pagesWritten >= 2048, `the final dump holds all memory (8 MiB = 2048 pages): ${rec.criu?.pagesWritten}`);
    const bId = (await vmB.docker.getContainer(name).inspect()).Id;
    made.push([() => vmB, bId]);
    const root = (await vmB.capabilities()).raw.docker.rootDir;
    const [cpName] = await vmB.checkpointNames(bId);
    assert.ok(cpName, 'the checkpoint B restored from is still listed');
    const left = await vmB.runner.run(['ls', '--', `${root}/containers/${bId}/checkpoints/${cpName}`], { privileged: true });
    assert.match(left.stdout, /inventory\.img/, left.stdout);
    assert.doesNotMatch(left.stdout, /^pd\d+$/m, `no rounds left in the folder B restored from: ${left.stdout}`);
    const frozenAt = await readCount(vm, id);
    const next = await waitFor('B counts past the freeze', async () => {
      const v = await readCount(vmB, bId);
      return v > frozenAt ? v : undefined;
    }, SLOW);
    assert.ok(next > frozenAt);
  });

  test('between the VM and this machine: migrated, or refused by the preflight before any freeze', async () => {
    const id = await counter(vm, 'vmx');
    const name = (await vm.docker.getContainer(id).inspect()).Name.slice(1);
    try {
      const rec = await migrateContainer(vm, local, name);
      const localId = (await local.docker.getContainer(name).inspect()).Id;
      made.push([() => local, localId]);
      assert.equal(rec.outcome, 'ok');
      assert.ok(await isRunning(local, localId));
    } catch (e) {
      assert.ok(e instanceof MigrationFailedError, String(e));
      assert.equal(e.phase, 'preflight');
      assert.equal(e.sourceState, 'untouched');
      assert.match(e.message, /cpuinfo|CPU|CRIU/);
      assert.ok(await isRunning(vm, id), 'source still running');
      assert.deepEqual(await vm.checkpointNames(id), []);
    }
  });

  test('periodic checkpoints pre-dump each version on the VM, and the newest restores', async () => {
    const id = await counter(vm, 'vmperiodic');
    const versions: string[] = [];
    // The counter just after each version: the next version's dump holds at least that value.
    const countAfter: Promise<number>[] = [];
    const onEvent = (e: TickerEvent) => {
      if (e.kind !== 'version') return;
      versions.push(e.name);
      countAfter.push(readCount(vm, id));
    };
    const handle = await startPeriodic(vm, id, { everyMs: 2000, keep: 2, count: 3, preDump: true }, { onEvent });
    assert.equal(handle.preDump, true, 'the VM can pre-dump, so versions do');
    const summary = await handle.done;
    assert.equal(summary.reason, 'count', summary.message);
    assert.equal(versions.length, 3);
    assert.deepEqual((await vm.checkpointNames(id)).sort(), versions.slice(1).sort(), 'the newest 2 are kept');
    // Each kept version holds its pre-dump round nested inside, where Docker's restore finds it.
    const root = (await vm.capabilities()).raw.docker.rootDir;
    const inside = await vm.runner.run(['ls', '--', `${root}/containers/${id}/checkpoints/${versions[2]}`], { privileged: true });
    assert.match(inside.stdout, /^pd1$/m, inside.stdout);
    await vm.docker.getContainer(id).stop({ t: 1 });
    const stoppedAt = await readCount(vm, id);
    await restoreContainer(vm, id, versions[2]!);
    const next = await waitFor('counts on from the version', async () => {
      const v = await readCount(vm, id);
      return v !== stoppedAt ? v : undefined;
    }, SLOW);
    const lower = await countAfter[1]!;
    assert.ok(next >= lower, `continued from the newest version (>= ${lower}), not restarted: ${next}`);
  });

  test('asking the local host for pre-dump is refused with the reason', async () => {
    const id = await runContainer(local, 'cryo-counter:latest', uniqueName('lpd'));
    made.push([() => local, id]);
    await assert.rejects(checkpointContainer(local, id, { name: 'nope', leaveRunning: true, preDump: true }), UnavailableError);
    assert.deepEqual(await local.checkpointNames(id), []);
  });
});
