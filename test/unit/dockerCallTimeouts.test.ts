import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectDocker } from '../../src/core/docker/connect.js';
import { DockerTimeoutError, limitFor, DEFAULT_DOCKER_LIMITS } from '../../src/core/docker/callTimeouts.js';

/**
 * A unix socket that accepts and never answers: what a hung dockerd looks like to a client
 * (the kernel accepts the connection, nobody reads it). Real dockerode, real HTTP.
 */
const dir = mkdtempSync(join(tmpdir(), 'cryo-hung-'));
const sockets: Socket[] = [];
function server(onRequest: (s: Socket, head: string) => void): Promise<{ path: string; srv: Server }> {
  const path = join(dir, `d${sockets.length}-${Math.random().toString(36).slice(2, 6)}.sock`);
  const srv = createServer((s) => {
    sockets.push(s);
    s.once('data', (d) => onRequest(s, d.toString()));
  });
  return new Promise((r) => srv.listen(path, () => r({ path, srv })));
}
after(() => {
  for (const s of sockets) s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('a daemon that never answers: the call fails after the limit, naming the call and the endpoint', async () => {
  const { path, srv } = await server(() => undefined);
  const docker = connectDocker({ scheme: 'unix', socketPath: path }, { defaultMs: 300, longMs: 5_000 });
  const t0 = Date.now();
  await assert.rejects(docker.getContainer('abc').inspect(), (e: unknown) => {
    assert.ok(e instanceof DockerTimeoutError, String(e));
    assert.match(e.message, new RegExp(`^Docker on unix://${path} did not answer GET /containers/abc/json within 0 s`));
    return true;
  });
  assert.ok(Date.now() - t0 < 3_000);
  srv.close();
});

test('a stream that has started is never cut by the limit (a long transfer or an idle event stream)', async () => {
  const { path, srv } = await server((s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    setTimeout(() => s.write('5\r\n{"a":\r\n'), 100);
    setTimeout(() => s.end('2\r\n1}\r\n0\r\n\r\n'), 900);
  });
  const docker = connectDocker({ scheme: 'unix', socketPath: path }, { defaultMs: 300, longMs: 300 });
  const stream = (await docker.getEvents()) as NodeJS.ReadableStream;
  let body = '';
  for await (const c of stream) body += String(c);
  assert.equal(body, '{"a":1}', 'read to its end, 900 ms > the 300 ms limit');
  srv.close();
});

test('which calls get which limit', () => {
  const L = DEFAULT_DOCKER_LIMITS;
  assert.equal(limitFor('GET', '/containers/x/json', L), L.defaultMs);
  assert.equal(limitFor('POST', '/containers/x/start', L), L.longMs, 'a restore is a start');
  assert.equal(limitFor('POST', '/containers/x/checkpoints', L), L.longMs);
  assert.equal(limitFor('GET', '/containers/x/checkpoints', L), L.defaultMs, 'listing is quick');
  assert.equal(limitFor('POST', '/images/load', L), L.longMs);
  assert.equal(limitFor('POST', '/containers/x/wait', L), undefined, 'waits by design');
  assert.ok(L.longMs >= 10 * 60_000 && L.defaultMs >= 30_000, 'generous');
});
