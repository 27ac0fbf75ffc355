import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CheckpointFailedError, checkpointContainer, DockerHost } from '../../src/core/index.js';
import { isRunning, removeContainer, uniqueName } from './helpers.js';

/**
 * A failed dump names its decisive cause and the option that fixes it, on real containers
 * with CRIU 4.2.1 (host A): a flock, a loopback TCP connection. The container keeps running
 * and no checkpoint is left. (runc reads /etc/criu/runc.conf on every dump, and a restore may
 * add options there for a while: checkpointContainer itself waits that out.)
 */
const host = DockerHost.local();
const made: string[] = [];
after(async () => {
  await Promise.all(made.map((id) => removeContainer(host, id)));
  await host.dispose();
});

async function app(prefix: string, cmd: string[]): Promise<string> {
  const c = await host.docker.createContainer({ Image: 'cryo-apps:latest', name: uniqueName(prefix), Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
  made.push(c.id);
  await c.start();
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(await isRunning(host, c.id));
  return c.id;
}

const tcpPair = "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',5000)); s.listen(); c=socket.create_connection(('127.0.0.1',5000)); a,_=s.accept(); time.sleep(1000)";

const cases = [
  { what: 'a flock', prefix: 'diag-flock', cmd: ['flock', '/x', 'sleep', '1000'], code: 'file-locks', option: 'fileLocks', line: /file-lock\.c:\d+\): Some file locks are hold/ },
  { what: 'a loopback TCP connection', prefix: 'diag-tcp', cmd: ['python3', '-c', tcpPair], code: 'tcp-established', option: 'tcpEstablished', line: /sk-inet\.c:\d+\): inet: Connected TCP socket/ },
] as const;

for (const c of cases) {
  for (const engine of ['runc', 'docker'] as const) {
    test(`${engine} engine, ${c.what}: the failure names the decisive CRIU line, the remedy and the option; the container runs on`, async () => {
      const id = await app(c.prefix, [...c.cmd]);
      const err = await checkpointContainer(host, id, { name: 'cp1', leaveRunning: false, engine }).then(
        () => assert.fail('the dump should fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CheckpointFailedError, String(err));
      assert.equal(err.diagnosis?.code, c.code, err.message);
      assert.equal(err.diagnosis?.option, c.option);
      assert.match(err.diagnosis?.decisiveLine ?? '', c.line);
      assert.match(err.message, new RegExp(`CRIU says: Error \\(criu/${c.line.source}`));
      assert.match(err.message, /Checkpoint again with/);
      assert.doesNotMatch(err.message, /RLIMIT_NOFILE|Handling VMA/);
      assert.ok(await isRunning(host, id), 'still running after the failed dump');
      assert.deepEqual(await host.checkpointNames(id), [], 'no checkpoint left');
    });
  }
}
