import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost, SshError, SshRunner } from '../../src/core/index.js';
import { isRunning, readCount, removeContainer, runContainer, sleep, uniqueName } from './helpers.js';

/**
 * Hostile input that reaches the CLI and, for the well-formed ones, the daemon (issue #9):
 * each ends with a clear error and exit code, and nothing changed on host A (containers,
 * their state and checkpoints, Cryo's work folders, no file made by an injected command).
 * The CLI runs as a user would (node out/src/cli/main.js), one process per case.
 */
const host = DockerHost.local();
const CLI = join(process.cwd(), 'out', 'src', 'cli', 'main.js');
const MARK = `/tmp/cryo-it-pwned-${process.pid}`;
let running: string; // a counter, running
let stopped: string; // a counter stopped by a checkpoint "good"
let runningName: string;
let stoppedName: string;
const scratch = mkdtempSync(join(tmpdir(), 'cryo-it-hostile-'));

before(async () => {
  runningName = uniqueName('hostile-run');
  stoppedName = uniqueName('hostile-stop');
  running = await runContainer(host, 'cryo-counter:latest', runningName);
  stopped = await runContainer(host, 'cryo-counter:latest', stoppedName);
  await sleep(1500);
  await checkpointContainer(host, stopped, { name: 'good', leaveRunning: false, engine: 'runc' });
});
after(async () => {
  await removeContainer(host, running);
  await removeContainer(host, stopped);
  await host.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

interface Snapshot {
  mine: string;
  work: string[];
  marks: string[];
}
async function snapshot(): Promise<Snapshot> {
  const state = async (id: string) => {
    const i = await host.docker.getContainer(id).inspect();
    return `${i.Name} ${i.State.Status} pid=${i.State.Pid} started=${i.State.StartedAt} cps=${(await host.checkpointNames(id)).join(',')}`;
  };
  const work = existsSync('/var/lib/cryo/work') ? readdirSync('/var/lib/cryo/work').filter((d) => d.startsWith(running.slice(0, 12)) || d.startsWith(stopped.slice(0, 12))) : [];
  return { mine: `${await state(running)} | ${await state(stopped)}`, work, marks: readdirSync('/tmp').filter((f) => f.startsWith('cryo-it-pwned-')) };
}

async function cryo(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const r = await execa('node', [CLI, ...argv], { reject: false, timeout: 120_000, env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
  return { code: r.exitCode ?? -1, stderr: String(r.stderr) };
}

const name = () => runningName;
const cases: Array<{ what: string; argv: () => string[]; code: number; says: RegExp }> = [
  { what: 'a checkpoint name with $()', argv: () => ['checkpoint', name(), '--name', `$(touch ${MARK})`], code: 2, says: /--name "\$\(touch .*\)": use at least 2 characters/ },
  { what: 'a checkpoint name with ;', argv: () => ['checkpoint', name(), '--name', `x;touch ${MARK}`], code: 2, says: /--name/ },
  { what: 'a checkpoint name with ../', argv: () => ['checkpoint', name(), '--name', '../../../etc/cron.d/x'], code: 2, says: /--name/ },
  { what: 'a unicode checkpoint name', argv: () => ['checkpoint', name(), '--name', 'sauvegarde-é'], code: 2, says: /--name/ },
  { what: 'a 5000-character checkpoint name', argv: () => ['checkpoint', name(), '--name', 'c'.repeat(5000)], code: 2, says: /--name "c+…"/ },
  { what: 'a container reference with ;', argv: () => ['checkpoint', `${name()};touch ${MARK}`], code: 2, says: /container ".*;touch.*": use a container name or id/ },
  { what: 'a container reference that walks the API path', argv: () => ['checkpoint', `../containers/${name()}`], code: 2, says: /container/ },
  { what: 'a container reference with a query', argv: () => ['restore', `${stoppedName}?force=1`, 'good'], code: 2, says: /container/ },
  { what: 'a restore checkpoint with ../', argv: () => ['restore', stoppedName, '../../good'], code: 2, says: /checkpoint "\.\.\/\.\.\/good"/ },
  { what: 'a restore checkpoint with $()', argv: () => ['restore', stoppedName, `$(touch ${MARK})`], code: 2, says: /checkpoint/ },
  { what: 'ls of a container with spaces', argv: () => ['ls', `${name()} ${stoppedName}`], code: 2, says: /container/ },
  { what: 'a --host that is not a URL', argv: () => ['probe', '--host', '/var/run/docker.sock'], code: 2, says: /--host ".*": use unix:\/\/\/path or tcp:\/\/host:port/ },
  { what: 'a --host with $()', argv: () => ['probe', '--host', `tcp://$(touch ${MARK}):2375`], code: 2, says: /--host: Unsupported Docker endpoint "tcp:\/\/\$\(touch/ },
  { what: 'a --host with a space in the host', argv: () => ['probe', '--host', 'tcp://a b:2375'], code: 2, says: /tcp host must be a host name/ },
  { what: 'a --out with a control character', argv: () => ['checkpoint', name(), '--out', `${scratch}/a\u0001b`], code: 2, says: /--out .*control characters/ },
  { what: 'a periodic period of 0', argv: () => ['periodic', name(), '--every', '0s'], code: 2, says: /--every "0s": use at least/ },
  // Well-formed, so they reach the daemon: refused there, nothing changed.
  { what: 'a container that does not exist', argv: () => ['checkpoint', 'cryo-it-no-such-container'], code: 1, says: /No container "cryo-it-no-such-container"/ },
  { what: 'a checkpoint the container does not have', argv: () => ['restore', stoppedName, 'nope'], code: 1, says: /has no checkpoint named nope \(it has: good\)/ },
  { what: 'a restore into the running container', argv: () => ['restore', name(), 'good'], code: 1, says: /has no checkpoint named good|is running/ },
  { what: 'a checkpoint of the stopped container', argv: () => ['checkpoint', stoppedName, '--name', 'again'], code: 1, says: /only a running container can be checkpointed/ },
  { what: 'a --host socket that does not exist', argv: () => ['ls', '--host', 'unix:///tmp/cryo-it-no-such.sock'], code: 1, says: /ENOENT|connect/ },
];

for (const c of cases) {
  test(`cli on host A: ${c.what} → exit ${c.code}, a clear message, nothing changed`, async () => {
    const before = await snapshot();
    const countBefore = await readCount(host, running);
    const r = await cryo(...c.argv());
    assert.equal(r.code, c.code, r.stderr);
    // Progress lines may come first; the error is the line cryo prefixes with its name.
    const first = r.stderr.split('\n').find((l) => l.startsWith('cryo: ')) ?? '';
    assert.match(first, c.says, r.stderr);
    assert.ok(first.length < 400 && !first.includes('\u0000'), first);
    assert.doesNotMatch(r.stderr, /unexpected error|at .*\.js:\d+/, 'no stack trace');
    assert.deepEqual(await snapshot(), before);
    assert.equal(existsSync(MARK), false, 'no injected command ran');
    assert.ok(await isRunning(host, running));
    assert.ok((await readCount(host, running)) >= countBefore, 'the running container was not restarted');
  });
}

test('host B over ssh: a CHANGED host key is refused with the fingerprint advice; known_hosts and the host are untouched', async () => {
  const SSH_DIR = '/var/lib/cryo/host-b/ssh';
  // A known_hosts that trusts another key for [127.0.0.1]:2222: what a man-in-the-middle looks like.
  const keyFile = join(scratch, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  const kh = join(scratch, 'changed_known_hosts');
  const line = `[127.0.0.1]:2222 ${readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`;
  writeFileSync(kh, line);
  const h = DockerHost.ssh('changed-key', 'ssh://root@127.0.0.1:2222', { identityFile: `${SSH_DIR}/id_ed25519`, knownHostsFile: kh });
  try {
    assert.ok(h.runner instanceof SshRunner);
    await assert.rejects(h.runner.connect(), (e: unknown) => {
      assert.ok(e instanceof SshError && e.kind === 'host-key', String(e));
      assert.match(e.message, /host key of 127\.0\.0\.1:2222 has CHANGED .* refused to connect/);
      assert.match(e.message, /ssh-keygen -f .* -R /);
      return true;
    });
    const report = await h.capabilities();
    assert.equal(report.docker.ok, false);
    assert.match(report.docker.reason ?? '', /CHANGED/);
    assert.equal(readFileSync(kh, 'utf8'), line, 'known_hosts not rewritten');
    const r = await h.runner.run(['touch', MARK]);
    assert.notEqual(r.exitCode, 0, 'no command runs on the host');
    assert.equal(existsSync(MARK), false);
  } finally {
    await h.dispose();
  }
});
