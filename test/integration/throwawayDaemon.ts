import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { sleep } from './helpers.js';

/**
 * A dockerd of the test's own (its socket, data root, exec root; no bridge, no iptables),
 * like scripts/provision/host-b.sh starts daemon B: the fault tests kill and restart it,
 * never the shared daemons A/B/C. The daemon runs in its own process group with the
 * containerd it starts, so kill() ends both.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThrowawayDaemon {
  private child: ChildProcess | undefined;
  /** Under /run, where Cryo's runc engine looks for runc's state (…/runtime-runc/moby/<id>). */
  readonly execRoot: string;
  /** Docker's data root: under root, or elsewhere (a small filesystem of the test's own). */
  readonly dataRoot: string;
  private constructor(
    readonly root: string,
    dataRoot?: string,
  ) {
    this.execRoot = `/run/${root.split('/').pop()!}`;
    this.dataRoot = dataRoot ?? join(root, 'data');
  }

  get socket(): string {
    return join(this.root, 'docker.sock');
  }
  get endpoint(): string {
    return `unix://${this.socket}`;
  }

  static async create(opts: { dataRoot?: string } = {}): Promise<ThrowawayDaemon> {
    const root = await mkdtemp('/var/lib/cryo-it-dockerd-');
    await writeFile(join(root, 'daemon.json'), '{"experimental": true}\n');
    return new ThrowawayDaemon(root, opts.dataRoot);
  }

  /** Made, started and given these images from host A (a fault test's before-hook). */
  static async launch(images: string[], opts: { dataRoot?: string } = {}): Promise<ThrowawayDaemon> {
    const d = await ThrowawayDaemon.create(opts);
    await d.start();
    if (images.length) await execa('sh', ['-c', 'docker save "$@" | docker -H "$0" load -q', d.endpoint, ...images]);
    return d;
  }

  /** Starts dockerd and waits until it answers; resolves with how long that took. */
  async start(timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    const args = ['--config-file', join(this.root, 'daemon.json'), '--data-root', this.dataRoot, '--exec-root', this.execRoot, '-H', this.endpoint, '--pidfile', join(this.root, 'docker.pid'), '--bridge', 'none', '--iptables=false', '--ip-masq=false'];
    const log = await open(join(this.root, 'dockerd.log'), 'a');
    this.child = spawn('dockerd', args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    for (;;) {
      const r = await execa('docker', ['-H', this.endpoint, 'version', '--format', '{{.Server.Version}}'], { reject: false });
      if (r.exitCode === 0) return Date.now() - t0;
      if (this.child.exitCode !== null) throw new Error(`the throwaway dockerd exited (${this.child.exitCode}): ${(await readFile(join(this.root, 'dockerd.log'), 'utf8')).trim().split('\n').slice(-3).join('\n')}`);
      if (Date.now() - t0 > timeoutMs) throw new Error('the throwaway dockerd did not answer in time');
      await sleep(200);
    }
  }

  /** SIGKILL to the daemon and its containerd (what a crash looks like); resolves once gone. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c?.pid || c.exitCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    // containerd runs in a group of its own and dies after dockerd (parent-death signal): a
    // restart that still finds it alive waits on it and fails, so it is ended and awaited too.
    const ctrd = Number((await readFile(join(this.execRoot, 'containerd', 'containerd.pid'), 'utf8').catch(() => '')).trim());
    for (const target of [-c.pid, ...(ctrd ? [ctrd] : [])]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await gone;
    for (let i = 0; ctrd && i < 100 && alive(ctrd); i++) await sleep(50);
    this.child = undefined;
  }

  /** Kills it, the containerd shims it left (its containers with them), and removes its folders. */
  async destroy(): Promise<void> {
    await this.kill();
    // Shims outlive dockerd and containerd (own group, reparented): end them and all they hold.
    const ps = await execa('ps', ['-eo', 'pid=,ppid=,args=']);
    const rows = String(ps.stdout).split('\n').map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter((m): m is RegExpMatchArray => !!m);
    const doomed = new Set(rows.filter((m) => m[3]!.includes(`${this.execRoot}/`)).map((m) => Number(m[1])));
    // A CRIU a fault test held stopped inside a restore can be orphaned by its runc and shim
    // (reparented to init, still stopped: one per faultRestore run was left behind). It works
    // in the task's criu-work folder under this daemon's data root: that finds it.
    for (const m of rows) {
      const cwd = await readlink(`/proc/${m[1]}/cwd`).catch(() => '');
      if ([this.dataRoot, this.root, this.execRoot].some((r) => cwd.startsWith(`${r}/`))) doomed.add(Number(m[1]));
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of rows) if (doomed.has(Number(m[2])) && !doomed.has(Number(m[1]))) grew = !!doomed.add(Number(m[1]));
    }
    for (const pid of doomed) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const dir of new Set([this.root, this.dataRoot, this.execRoot])) {
      await execa('sh', ['-c', 'grep -o " $1[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l', 'sh', dir], { reject: false });
    }
    await rm(this.root, { recursive: true, force: true }).catch(() => undefined);
    if (!this.dataRoot.startsWith(`${this.root}/`)) await rm(this.dataRoot, { recursive: true, force: true }).catch(() => undefined);
    await rm(this.execRoot, { recursive: true, force: true }).catch(() => undefined);
  }
}
