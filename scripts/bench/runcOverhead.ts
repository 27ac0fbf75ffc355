/**
 * Where does Cryo's runc engine spend time beyond raw runc? A diagnostic, not part of the
 * extension: it checkpoints one memhog container (leave-running) through
 * checkpointContainer() with a runner that times every host command the core runs, times
 * the Docker API calls the core makes before the engine on their own, and interleaves raw
 * runc into a scratch folder and into Docker's checkpoints folder.
 *
 *   npm run compile-tests && node out/scripts/bench/runcOverhead.js [sizeMb=256] [reps=5]
 */
import { bench, checkpointContainer, DockerHost, LocalRunner, memoryInUse, resolveContainer, type CommandRunner, type RunOptions } from '../../src/core/index.js';
import { connectDocker, parseEndpoint } from '../../src/core/docker/connect.js';
import { deleteCheckpoint, listCheckpoints } from '../../src/core/docker/checkpointApi.js';
import { findRuncRoot } from '../../src/core/engines/runcEngine.js';

const [sizeMb = 256, reps = 5] = process.argv.slice(2).map(Number);
const ENDPOINT = 'unix:///var/run/docker.sock';

/** A runner that logs how long each command took, keyed by its first words. */
class TimingRunner implements CommandRunner {
  readonly where = 'local (timed)';
  log: { what: string; ms: number }[] = [];
  constructor(private readonly inner: LocalRunner) {}
  private async timed<T>(argv: readonly string[], f: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await f();
    } finally {
      const what = argv[0] === 'runc' ? `runc ${argv[3] ?? ''}` : argv.slice(0, argv[0] === 'find' ? 2 : 1).join(' ');
      this.log.push({ what, ms: performance.now() - t });
    }
  }
  run(argv: readonly string[], o?: RunOptions) {
    return this.timed(argv, () => this.inner.run(argv, o));
  }
  runBinary(argv: readonly string[], o?: RunOptions) {
    return this.timed(argv, () => this.inner.runBinary(argv, o));
  }
  spawnStream(argv: readonly string[], o?: Pick<RunOptions, 'signal' | 'privileged'>) {
    return this.inner.spawnStream(argv, o);
  }
}

const samples = new Map<string, number[]>();
const add = (k: string, ms: number) => samples.set(k, [...(samples.get(k) ?? []), ms]);
async function time<T>(k: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    add(k, performance.now() - t);
  }
}

const runner = new TimingRunner(new LocalRunner());
const host = new DockerHost('local', ENDPOINT, connectDocker(parseEndpoint(ENDPOINT)), runner);
const local = new LocalRunner();
const id = await bench.startMemhog(host, `${bench.BENCH_PREFIX}overhead-${Date.now().toString(36)}`, sizeMb, 0);
try {
  await time('probe (cold, once per DockerHost)', () => host.capabilities());
  const ctx = await host.engineContext();
  const cpDir = (n: string) => `${ctx.dockerRootDir}/containers/${id}/checkpoints/${n}`;
  const scratch = `${host.cryoStateDir}/bench`;
  await local.run(['mkdir', '-p', scratch]);
  for (let rep = 1; rep <= reps; rep++) {
    for (const way of bench.rotate(['cryo', 'raw-scratch', 'raw-dockerdir'] as const, rep - 1)) {
      // As the bench does: the previous image's writeback finishes first.
      await local.run(['sync']);
      await new Promise((r) => setTimeout(r, 1000));
      if (way === 'cryo') {
        // The API calls checkpointContainer makes before the engine, timed on their own.
        await time('api: inspect (resolveContainer)', () => resolveContainer(host, id));
        await time('probe (cached)', () => host.capabilities());
        await time('api: list checkpoints', () => listCheckpoints(host.docker.getContainer(id)));
        await time('api: stats one-shot (memoryInUse)', () => memoryInUse(host, id));
        await time('api: stats again at once (Docker paces to ~1 s)', () => memoryInUse(host, id));
        // Let the stats pacing pass, so the call below pays for its own stats call only.
        await new Promise((r) => setTimeout(r, 1200));
        runner.log = [];
        const t = performance.now();
        const rec = await checkpointContainer(host, id, { name: `ov-${rep}`, leaveRunning: true, engine: 'runc' });
        const total = performance.now() - t;
        add('cryo: whole checkpointContainer() call', total);
        add('cryo: record.wallMs (engine)', rec.wallMs);
        add('cryo: call minus engine', total - rec.wallMs);
        add('cryo: CRIU frozen', (rec.criu?.frozenTimeUs ?? NaN) / 1000);
        for (const { what, ms } of runner.log) add(`cryo cmd: ${what}`, ms);
        await deleteCheckpoint(host.docker.getContainer(id), `ov-${rep}`);
      } else {
        const mk = await local.run(['mktemp', '-d', '-p', scratch]);
        const tmp = mk.stdout.trim();
        const images = way === 'raw-scratch' ? `${tmp}/images` : cpDir(`raw-${rep}`);
        await local.run(['mkdir', '-p', images, `${tmp}/work`]);
        const t = performance.now();
        const r = await local.run(['runc', '--root', '/run/docker/runtime-runc/moby', 'checkpoint', '--leave-running', '--image-path', images, '--work-path', `${tmp}/work`, id]);
        if (r.exitCode !== 0) throw new Error(r.stderr);
        add(`${way}: runc checkpoint`, performance.now() - t);
        await local.run(['rm', '-rf', tmp, ...(way === 'raw-dockerdir' ? [images] : [])]);
      }
    }
  }
  // The one step the engine adds before runc: locating runc's state root.
  for (let i = 0; i < reps; i++) await time('findRuncRoot alone', () => findRuncRoot(local, id));
} finally {
  await bench.removeContainer(host, id);
  await local.run(['find', `${host.cryoStateDir}/work`, '-mindepth', '1', '-maxdepth', '1', '-name', `${id.slice(0, 12)}-*`, '-exec', 'rm', '-rf', '--', '{}', '+']);
}

const f = (ms: number) => ms.toFixed(0).padStart(6);
console.log(`${sizeMb} MB, ${reps} reps (ms: median  min  max)`);
for (const [k, v] of samples) {
  const s = bench.summarize(v.filter(Number.isFinite));
  console.log(`${k.padEnd(44)} ${f(s.median)} ${f(s.min)} ${f(s.max)}  n=${s.n}`);
}
