import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { execa } from 'execa';

/**
 * Guards the VM host (scripts/vm/start.sh): a qemu VM with Debian's stock kernel, where
 * CRIU pre-dump works (this machine's kernel has no soft-dirty tracking). Reached only by
 * ssh with the config start.sh writes. Opt-in, since booting it takes a minute or two:
 *
 *   scripts/vm/start.sh [--with-daemon-b] && CRYO_VM=1 node --test out/test/integration/vm.test.js
 */
const SSH_CONFIG = process.env.CRYO_VM_SSH_CONFIG ?? '/var/lib/cryo/vm/ssh/config';
const skip =
  process.env.CRYO_VM === '1'
    ? false
    : 'VM host tests are opt-in: run scripts/vm/start.sh, then set CRYO_VM=1 (they check the qemu VM over ssh)';

/** Runs `command` in the VM's root shell; `cryo-vm-b` sessions talk to daemon B. */
async function vm(command: string, host: 'cryo-vm' | 'cryo-vm-b' = 'cryo-vm'): Promise<string> {
  const r = await execa('ssh', ['-F', SSH_CONFIG, host, command], { reject: false, timeout: 120_000, stdin: 'ignore' });
  if (r.exitCode !== 0) {
    throw new Error(`ssh -F ${SSH_CONFIG} ${host} '${command}' failed (exit ${r.exitCode}): ${String(r.stderr || r.stdout).trim()}`);
  }
  return String(r.stdout).trim();
}

const TEST_IMAGES = ['cryo-counter', 'cryo-forker', 'cryo-memhog'];

async function testImages(host: 'cryo-vm' | 'cryo-vm-b'): Promise<string[]> {
  const out = await vm(`docker images --filter label=cryo.source-hash --format '{{.Repository}}'`, host);
  return out.split('\n').filter((n) => TEST_IMAGES.includes(n)).sort();
}

describe('VM host (scripts/vm)', { skip }, () => {
  before(async () => {
    assert.ok(existsSync(SSH_CONFIG), `CRYO_VM=1 but ${SSH_CONFIG} does not exist: run scripts/vm/start.sh first`);
    await vm('true').catch((e: Error) => {
      throw new Error(`CRYO_VM=1 but the VM does not answer (is it running? scripts/vm/start.sh): ${e.message}`);
    });
  });

  test('ssh reaches the VM, pinned to the host key made at build time', async () => {
    assert.equal(await vm('hostname'), 'cryo-vm');
  });

  test('the kernel tracks dirty memory: criu check --feature mem_dirty_track', async () => {
    const out = await vm('criu check --feature mem_dirty_track 2>&1');
    assert.match(out, /mem_dirty_track is supported/);
  });

  test('daemon A runs in experimental mode (checkpoint endpoints)', async () => {
    assert.equal(await vm(`docker info --format '{{.ExperimentalBuild}}'`), 'true');
  });

  test('the test images are in daemon A', async () => {
    assert.deepEqual(await testImages('cryo-vm'), TEST_IMAGES);
  });

  test('daemon B (start.sh --with-daemon-b): experimental, own data root on a shared mount, test images', async (t) => {
    if ((await vm('systemctl is-active docker-b || true')) !== 'active') {
      t.skip('daemon B is not running in the VM (start it with scripts/vm/start.sh --with-daemon-b)');
      return;
    }
    assert.equal(await vm(`docker info --format '{{.ExperimentalBuild}} {{.DockerRootDir}}'`, 'cryo-vm-b'), 'true /var/lib/docker-b');
    // A private data root makes CRIU restores into daemon B fail ("Failed to copy sharing").
    assert.match(await vm('findmnt -no PROPAGATION /var/lib/docker-b'), /^shared/);
    assert.deepEqual(await testImages('cryo-vm-b'), TEST_IMAGES);
  });
});
