import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { DockerHost, type SshOptions } from '../../src/core/index.js';
import { sleep } from './helpers.js';
import type { ThrowawayDaemon } from './throwawayDaemon.js';

/** A free loopback port (the kernel picks it; free again the moment the probe closes). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A remote host of the test's own: an sshd on a loopback port whose sessions point at a
 * throwaway dockerd (`SetEnv DOCKER_HOST=...`, as scripts/provision/host-b.sh does for B), with
 * its own host and client keys. A migration to it goes over real ssh, like one to host B, and
 * the test may kill and restart its daemon without touching the shared daemons.
 */
export class ThrowawaySshHost {
  private sshd: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly daemon: ThrowawayDaemon,
  ) {}

  get endpoint(): string {
    return `ssh://root@127.0.0.1:${this.port}`;
  }

  get options(): SshOptions {
    return { identityFile: join(this.dir, 'id_ed25519'), knownHostsFile: join(this.dir, 'known_hosts') };
  }

  /** A DockerHost reaching the daemon over this sshd; dispose() it. */
  host(name = 'throwaway-ssh'): DockerHost {
    return DockerHost.ssh(name, this.endpoint, this.options);
  }

  static async start(daemon: ThrowawayDaemon): Promise<ThrowawaySshHost> {
    const dir = await mkdtemp('/tmp/cryo-it-sshd-');
    for (const key of ['ssh_host_ed25519_key', 'id_ed25519']) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `cryo-it-${key}`, '-f', join(dir, key)]);
    const port = await freePort();
    // A HOME of its own, as host-b.sh gives B's sessions: not this machine's root dotfiles.
    await mkdir(join(dir, 'home'));
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'id_ed25519.pub')));
    const hostKey = (await readFile(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
    await writeFile(
      join(dir, 'sshd_config'),
      [
        'ListenAddress 127.0.0.1', `Port ${port}`, `HostKey ${join(dir, 'ssh_host_ed25519_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
        'StrictModes no', 'UsePAM no', `SetEnv DOCKER_HOST=${daemon.endpoint} HOME=${join(dir, 'home')}`, '',
      ].join('\n'),
    );
    const h = new ThrowawaySshHost(dir, port, daemon);
    await h.up();
    return h;
  }

  /** Starts the sshd and waits until a login works. */
  async up(): Promise<void> {
    if (this.sshd && this.sshd.exitCode === null && this.sshd.signalCode === null) return;
    const { dir, port } = this;
    // -D: stays our child (killed by pid); -e: its log on stderr, kept for a failure message.
    const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.sshd = sshd;
    let log = '';
    sshd.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    for (let i = 0; ; i++) {
      const r = await execa('ssh', ['-o', 'BatchMode=yes', '-i', join(dir, 'id_ed25519'), '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-p', String(port), 'root@127.0.0.1', 'true'], { reject: false });
      if (r.exitCode === 0) return;
      if (sshd.exitCode !== null || i > 50) {
        await this.stop();
        throw new Error(`the throwaway sshd did not come up: ${r.stderr} ${log}`);
      }
      await sleep(100);
    }
  }

  /**
   * The host drops off the network for ssh: the sshd and every connection it serves are
   * SIGKILLed (the client's master sees its connection close; new ones are refused). The
   * daemon behind it runs on. up() brings ssh back.
   */
  async down(): Promise<void> {
    const s = this.sshd;
    if (!s?.pid || s.exitCode !== null) return;
    const rows = String((await execa('ps', ['-eo', 'pid=,ppid=,comm='])).stdout).split('\n').map((l) => l.trim().split(/\s+/));
    const tree = new Set([s.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of rows) if (tree.has(Number(ppid)) && !tree.has(Number(pid))) grew = !!tree.add(Number(pid));
    }
    // Only the sshd processes, as a dropped network would: the sessions' shells are never
    // SIGKILLed (one killed inside root's .bashrc `pyenv rehash` leaves its lock, and every later
    // ssh login on this machine then waits 60 s); they see their connection end and exit.
    const sshds = rows.filter(([pid, , comm]) => tree.has(Number(pid)) && comm === 'sshd').map(([pid]) => Number(pid));
    const gone = new Promise((r) => s.once('exit', r));
    for (const pid of sshds) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await gone;
  }

  /** Ends the sshd (by its pid: ours only) and removes its keys. The daemon is the caller's. */
  async stop(): Promise<void> {
    const s = this.sshd;
    if (s?.pid && s.exitCode === null) {
      const gone = new Promise((r) => s.once('exit', r));
      s.kill('SIGTERM');
      await gone;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
