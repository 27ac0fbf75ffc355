// Restore time: in place on host A (Docker 20.10) vs Cryo's recreation route on host C
// (Docker 28.5.2, moby 50750), same memhog size, runc engine, checkpoint without leave-running.
// Usage: npm run compile-tests && node scripts/bench/recreate-restore.mjs [sizesMb=16,256] [reps=3]
import { DockerHost, LocalRunner, checkpointContainer, restoreContainer, bench } from '../../out/src/core/index.js';
import { connectDocker, parseEndpoint } from '../../out/src/core/docker/connect.js';
import { removeWithHolder } from '../../out/src/core/restore/holder.js';

const sizes = (process.argv[2] ?? '16,256').split(',').map(Number);
const reps = Number(process.argv[3] ?? 3);
const a = DockerHost.local('host-a');
const c = new DockerHost('host-c', 'unix:///run/docker-c.sock', connectDocker(parseEndpoint('unix:///run/docker-c.sock')), new LocalRunner());
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

for (const size of sizes) {
  for (const host of [a, c]) {
    const walls = [];
    const steps = [];
    for (let i = 0; i < reps; i++) {
      const name = `${bench.BENCH_PREFIX}d28-${host.name}-${size}-${i}-${Date.now().toString(36)}`;
      const id = await bench.startMemhog(host, name, size, 0);
      try {
        await checkpointContainer(host, id, { name: 'cp', leaveRunning: false, engine: 'runc' });
        // dockerd notices the exit a moment after runc's checkpoint returns.
        while ((await host.docker.getContainer(id).inspect()).State.Running) await new Promise((r) => setTimeout(r, 50));
        const r = await restoreContainer(host, name, 'cp');
        walls.push(r.wallMs);
        if (r.recreated?.stepsMs) steps.push(r.recreated.stepsMs);
      } finally {
        const i2 = await host.docker.getContainer(name).inspect().catch(() => undefined);
        if (i2) await removeWithHolder(host, i2).catch(() => undefined);
      }
    }
    const route = steps.length ? 'recreate' : 'in place';
    const stepText = steps.length ? ' steps(median ms): ' + Object.keys(steps[0]).map((k) => `${k} ${median(steps.map((s) => s[k])).toFixed(0)}`).join(', ') : '';
    console.log(`${size} MiB ${host.name} ${route}: restore median ${median(walls).toFixed(0)} ms [${walls.map((w) => w.toFixed(0)).join(', ')}]${stepText}`);
  }
}
await a.dispose();
await c.dispose();
