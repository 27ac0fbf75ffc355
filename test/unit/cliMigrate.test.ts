import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, USAGE, UsageError } from '../../src/cli/args.js';
import { runsSomewhere } from '../../src/cli/commands/migrate.js';

test('cryo migrate: defaults mirror MigrateOptions (pre-copy, auto codec, volumes copied, source kept)', () => {
  assert.deepEqual(parseCommandLine(['migrate', 'web', '--to', 'host-b']), {
    cmd: 'migrate',
    container: 'web',
    from: 'local',
    to: 'host-b',
    engine: 'auto',
    precopy: true,
    precopyFinish: 'auto',
    codec: 'auto',
    volumes: 'copy',
    removeSource: false,
  });
});

test('cryo migrate: every flag reaches the command', () => {
  const c = parseCommandLine(['migrate', 'db', '--from', 'host-b', '--to', 'local', '--host', 'unix:///run/docker-c.sock', '--name', 'db2', '--no-precopy', '--precopy-finish', 'full-dump', '--codec', 'zstd', '--volumes', 'skip', '--remove-source', '--engine', 'runc', '--file-locks', '--out', '/tmp/r.jsonl']);
  assert.deepEqual(c, {
    cmd: 'migrate',
    host: 'unix:///run/docker-c.sock',
    container: 'db',
    from: 'host-b',
    to: 'local',
    targetName: 'db2',
    engine: 'runc',
    precopy: false,
    precopyFinish: 'full-dump',
    codec: 'zstd',
    volumes: 'skip',
    removeSource: true,
    criu: { fileLocks: true },
    out: '/tmp/r.jsonl',
  });
});

test('cryo migrate: bad arguments are usage errors naming the flag', () => {
  const bad: [string[], RegExp][] = [
    [['migrate', 'web'], /--to is required/],
    [['migrate', 'web', '--to', 'mars'], /Unknown host "mars" \(known: local, host-b, host-c, vm, vm-b\)/],
    [['migrate', 'web', '--to', 'host-b', '--from', 'host-b'], /both host-b/],
    [['migrate', 'web', '--to', 'host-b', '--precopy-finish', 'later'], /--precopy-finish "later": use auto, with-rounds or full-dump/],
    [['migrate', 'web', 'other', '--to', 'host-b'], /unexpected argument "other"/],
    [['migrate', 'web', '--to', 'host-b', '--leave-running'], /migrate: Unknown option '--leave-running'/],
  ];
  for (const [argv, says] of bad) assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof UsageError && says.test(e.message), argv.join(' '));
  assert.match(USAGE, /migrate <container> --to HOST/);
});

test('exit 3 only when the container runs on neither host after a failure', () => {
  assert.equal(runsSomewhere('untouched', 'none'), true);
  assert.equal(runsSomewhere('restored', 'removed'), true);
  assert.equal(runsSomewhere('running', 'unknown'), true);
  assert.equal(runsSomewhere('stopped', 'running'), true);
  assert.equal(runsSomewhere('stopped', 'left'), false);
  assert.equal(runsSomewhere('stopped', 'removed'), false);
});
