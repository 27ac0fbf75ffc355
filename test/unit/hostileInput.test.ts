import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';
import { parseEndpoint } from '../../src/core/docker/connect.js';
import { checkSettingEntry, settingHostSpecs } from '../../src/core/hosts/sources.js';
import { assertContainerRef, assertValidName, InvalidNameError } from '../../src/core/names.js';
import { isExportCsvMessage, isExportPngMessage, isWebviewToExtension, MAX_PNG_DATA_URL, PNG_PREFIX } from '../../src/shared/messageGuards.js';

/**
 * Hostile input (issue #9): every case is refused with a clear message before anything runs.
 * What reaches a daemon is covered by test/integration/hostileCli.test.ts (nothing changes).
 */
const NUL = 'a\u0000b';
const LONG = 'x'.repeat(10_000);
const HOSTILE_NAMES: Array<[string, string]> = [
  ['a semicolon', 'cp;rm -rf /'],
  ['a command substitution', '$(touch /tmp/pwned)'],
  ['backticks', '`id`'],
  ['a parent path', '../../etc'],
  ['a slash', 'a/b'],
  ['a space', 'my checkpoint'],
  ['unicode', 'café-1'],
  ['a right-to-left override', 'cp\u202egnp.exe'],
  ['a NUL', NUL],
  ['a newline', 'cp1\ninjected'],
  ['10 000 characters', LONG],
  ['a leading dash (an option)', '-rf'],
];

const cli = (...argv: string[]) => () => parseCommandLine(argv);
/** The message is one line and shows the value escaped and cut, never raw. */
function clearUsage(fn: () => unknown, mention: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, mention);
    assert.ok(!e.message.includes('\u0000') && !e.message.includes('\n') && e.message.length < 400, `readable: ${JSON.stringify(e.message.slice(0, 120))}`);
    return true;
  });
}

for (const [what, name] of HOSTILE_NAMES) {
  // A leading dash is caught one step earlier, by the option parser (also a usage error).
  const or = (re: RegExp) => (name.startsWith('-') ? /ambiguous|Unknown option/ : re);
  test(`cli: checkpoint --name with ${what} is a usage error`, () => clearUsage(cli('checkpoint', 'web', '--name', name), or(/--name ".*": use at least 2 characters/)));
  test(`cli: a container argument with ${what} is a usage error`, () => clearUsage(cli('checkpoint', name), or(/container ".*": use a container name or id/)));
  test(`cli: restore's checkpoint argument with ${what} is a usage error`, () => clearUsage(cli('restore', 'web', name), or(/checkpoint ".*": use at least 2 characters/)));
}

test('cli: ls, periodic and restore check the container argument too', () => {
  clearUsage(cli('ls', '../x'), /container/);
  clearUsage(cli('periodic', 'x;id', '--every', '30s'), /container/);
  clearUsage(cli('restore', 'x?force=1', 'cp1'), /container/);
  clearUsage(cli('restore', 'x#frag', '--fallback'), /container/);
});

test('cli: valid names and ids still pass (names, /name, full ids, short id prefixes)', () => {
  assert.equal((parseCommandLine(['checkpoint', 'web-1.a_b', '--name', 'cp-1']) as { container: string }).container, 'web-1.a_b');
  assert.equal((parseCommandLine(['restore', '/web', 'cp1']) as { container: string }).container, '/web');
  assert.equal((parseCommandLine(['ls', 'a'.repeat(64)]) as { container: string }).container, 'a'.repeat(64));
  assert.equal((parseCommandLine(['ls', 'f']) as { container: string }).container, 'f');
});

for (const [what, host] of [
  ['not a URL', 'docker.sock'],
  ['http://', 'http://localhost:2375'],
  ['ssh (the CLI is local)', 'ssh://root@127.0.0.1:2222'],
  ['a relative unix path', 'unix://docker.sock'],
  ['a unix path with a NUL', 'unix:///var/run/docker.sock\u0000x'],
  ['a tcp host with a command substitution', 'tcp://$(touch /tmp/pwned):2375'],
  ['a tcp host with a space', 'tcp://a b:2375'],
  ['a tcp host with a semicolon', 'tcp://a;id:2375'],
  ['a tcp port out of range', 'tcp://localhost:99999'],
  ['a tcp user part', 'tcp://root@localhost:2375'],
  ['a 10 000-character host', `tcp://${LONG}:2375`],
] as const) {
  test(`cli: --host ${what} is a usage error`, () => clearUsage(cli('probe', '--host', host), /--host/));
}

for (const [what, every] of [
  ['negative', '-5s'],
  ['without a unit', '30'],
  ['an exponent', '1e3s'],
  ['Infinity', 'Infinitys'],
  ['below the minimum', '1ms'],
  ['beyond safe integers', '99999999999999999999h'],
  ['hex', '0x10s'],
  ['a command substitution', '$(sleep 100)s'],
] as const) {
  test(`cli: periodic --every ${what} is a usage error`, () => clearUsage(cli('periodic', 'web', `--every=${every}`), /--every/));
}

for (const [flag, value] of [
  ['--keep', '-1'],
  ['--keep', '1e3'],
  ['--count', '0x10'],
  ['--max-frozen', 'abc'],
] as const) {
  test(`cli: ${flag} ${value} is a usage error`, () => clearUsage(cli('periodic', 'web', '--every', '30s', `${flag}=${value}`), new RegExp(flag)));
}

test('cli: --out with a NUL, a newline, or empty is a usage error; a path with spaces and unicode is the user\'s to choose', () => {
  clearUsage(cli('checkpoint', 'web', '--out', `/tmp/${NUL}`), /--out .*control characters/);
  clearUsage(cli('checkpoint', 'web', '--out', '/tmp/a\nb'), /--out .*control characters/);
  clearUsage(cli('checkpoint', 'web', '--out', ''), /--out: the path is empty/);
  assert.equal((parseCommandLine(['checkpoint', 'web', '--out', '/tmp/my runs/é.jsonl']) as { out: string }).out, '/tmp/my runs/é.jsonl');
});

test('core: resolveContainer refuses references that would change the Docker API path', () => {
  for (const ref of ['../images/json', 'x?force=1', 'x#y', 'a/b', '', ' x', NUL, LONG, 'café']) {
    assert.throws(() => assertContainerRef(ref), InvalidNameError, JSON.stringify(ref.slice(0, 20)));
  }
  assert.throws(() => assertContainerRef(LONG), (e: Error) => e.message.length < 400 && /…/.test(e.message));
  assert.throws(() => assertValidName('checkpoint', NUL), (e: Error) => e.message.includes('a\\u0000b'));
});

// --- the cryo.hosts setting ---
const HOME = '/home/u';
for (const [what, entry, why] of [
  ['a name with a semicolon', { name: 'b;rm -rf ~', endpoint: 'unix:///var/run/docker.sock' }, /name .* is invalid/],
  ['a name with a command substitution', { name: '$(id)', endpoint: 'unix:///var/run/docker.sock' }, /name .* is invalid/],
  ['a name with ../', { name: '../x', endpoint: 'unix:///var/run/docker.sock' }, /name .* is invalid/],
  ['a unicode name', { name: 'hôte', endpoint: 'unix:///var/run/docker.sock' }, /name .* is invalid/],
  ['a 300-character name', { name: 'h'.repeat(300), endpoint: 'unix:///var/run/docker.sock' }, /name .* is invalid/],
  ['an endpoint that is not a URL', { name: 'b1', endpoint: 'my-server' }, /Unsupported Docker endpoint/],
  ['an http endpoint', { name: 'b1', endpoint: 'http://host:2375' }, /Unsupported Docker endpoint/],
  ['an ssh host that is an option', { name: 'b1', endpoint: 'ssh://-oProxyCommand=touch%20x' }, /Invalid SSH host/],
  ['an ssh user with a semicolon', { name: 'b1', endpoint: 'ssh://root;id@host' }, /Invalid SSH user/],
  ['an ssh host with a command substitution', { name: 'b1', endpoint: 'ssh://$(id)' }, /Invalid SSH host/],
  ['an ssh port out of range', { name: 'b1', endpoint: 'ssh://root@host:70000' }, /port/i],
  ['a tcp host with a space', { name: 'b1', endpoint: 'tcp://a b:2375' }, /tcp host must be/],
  ['a unix endpoint with a NUL', { name: 'b1', endpoint: 'unix:///run/docker.sock\u0000' }, /control characters/],
  ['a relative identityFile', { name: 'b1', endpoint: 'ssh://root@host', identityFile: '../key' }, /must be an absolute path/],
  ['an identityFile with a NUL', { name: 'b1', endpoint: 'ssh://root@host', identityFile: '/keys/id\u0000x' }, /control characters/],
  ['a knownHostsFile on a unix endpoint', { name: 'b1', endpoint: 'unix:///run/x.sock', knownHostsFile: '/k' }, /only applies to ssh/],
  ['a non-string identityFile', { name: 'b1', endpoint: 'ssh://root@host', identityFile: { $gt: '' } }, /must be a path/],
] as const) {
  test(`cryo.hosts: ${what} is skipped with the reason`, () => {
    const r = checkSettingEntry(entry, HOME);
    assert.equal(typeof r, 'string', `refused: ${JSON.stringify(r)}`);
    assert.match(r as string, why);
    const all = settingHostSpecs([entry], HOME);
    assert.equal(all.hosts.length, 0);
    assert.match(all.problems[0] ?? '', /^cryo\.hosts\[0\]: .* The entry is skipped\.$/s);
  });
}

test('cryo.hosts: a value that is not an array, entries that are not objects, and prototype keys', () => {
  assert.match(settingHostSpecs('ssh://root@host', HOME).problems[0] ?? '', /must be an array/);
  const r = settingHostSpecs([null, 42, ['a'], JSON.parse('{"__proto__": {"name": "evil"}, "endpoint": "unix:///x"}')], HOME);
  assert.equal(r.hosts.length, 0);
  assert.equal(r.problems.length, 4);
  assert.equal(({} as Record<string, unknown>)['name'], undefined, 'no prototype pollution');
});

test('endpoints: parseEndpoint messages show hostile values escaped and cut', () => {
  assert.throws(() => parseEndpoint(`unix:///x\u0000${LONG}`), (e: Error) => !e.message.includes('\u0000') && e.message.length < 400);
});

// --- webview messages (the charts page may be compromised: the extension checks all it receives) ---
test('webview: exportCsv with hostile filters and request ids is refused', () => {
  const ok = { type: 'exportCsv', requestId: 'r1', filter: { host: 'local' } };
  assert.equal(isExportCsvMessage(ok), true);
  for (const bad of [
    { ...ok, requestId: 'r'.repeat(101) },
    { ...ok, requestId: '' },
    { ...ok, requestId: 42 },
    { ...ok, filter: JSON.parse('{"__proto__": {"polluted": 1}}') },
    { ...ok, filter: { host: { $ne: '' } } },
    { ...ok, filter: { from: '2026-01-01; rm -rf /' } },
    { ...ok, filter: { to: '../../etc/passwd' } },
    { ...ok, filter: { host: `local${NUL}` } },
    { ...ok, filter: { host: LONG } },
    { ...ok, filter: { path: '/etc/passwd' } },
    { ...ok, filter: null },
  ]) {
    assert.equal(isWebviewToExtension(bad), false, JSON.stringify(bad).slice(0, 80));
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('webview: exportPng with an unknown chart, a non-PNG payload, a NUL or an oversized image is refused', () => {
  const ok = { type: 'exportPng', requestId: 'r1', chartId: 'checkpointTime', dataUrl: `${PNG_PREFIX}iVBORw0KGgo=` };
  assert.equal(isExportPngMessage(ok), true);
  for (const bad of [
    { ...ok, chartId: '../../../etc/passwd' },
    { ...ok, chartId: 'checkpointTime; rm -rf /' },
    { ...ok, dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' },
    { ...ok, dataUrl: `${PNG_PREFIX}iVBOR\u0000w0KGgo=` },
    { ...ok, dataUrl: `${PNG_PREFIX}$(id)` },
    { ...ok, dataUrl: PNG_PREFIX + 'A'.repeat(MAX_PNG_DATA_URL) },
    { ...ok, type: 'exportPNG' },
  ]) {
    assert.equal(isWebviewToExtension(bad), false, JSON.stringify(bad).slice(0, 80));
  }
  for (const junk of [null, undefined, 'ready', ['ready'], { type: 'runCommand', command: 'rm -rf /' }, { type: { toString: () => 'ready' } }]) {
    assert.equal(isWebviewToExtension(junk), false, String(junk));
  }
});
