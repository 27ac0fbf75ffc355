import type Docker from 'dockerode';
import { listCheckpoints as apiListCheckpoints } from '../docker/checkpointApi.js';
import { connectDocker, parseEndpoint } from '../docker/connect.js';
import type { EngineContext } from '../engines/engine.js';
import { LocalRunner } from '../exec/localRunner.js';
import type { CommandRunner } from '../exec/runner.js';
import { probeHost } from '../probe/probeHost.js';
import { cleanStaleHolders, isHolder } from '../restore/holder.js';
import type { CapabilityReport, Feature } from '../probe/capabilities.js';
import { settledRestoreTest, withRestoreTest } from '../probe/restoreTestCache.js';
import { CheckpointHistory } from '../scheduler/history.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { connectSshDocker } from '../ssh/sshDocker.js';
import { sshTargetFromEndpoint, type SshOptions } from '../ssh/target.js';
import { parseCheckpointListing, type CheckpointInfo, type ContainerInfo, toContainerInfo } from './listing.js';

export const DEFAULT_CRYO_STATE_DIR = '/var/lib/cryo';

/**
 * One Docker host: the Docker API (dockerode) plus a CommandRunner for commands that must
 * run on that host (runc, criu, du). Local now; an SSH host supplies both over ssh.
 */
export class DockerHost {
  private report?: Promise<CapabilityReport>;
  private rootDir?: string;
  /** Every checkpoint on this host waits its turn here (replaceable, e.g. by benchmarks). */
  scheduler = new Scheduler({ concurrency: 2, policy: 'sjf' });
  readonly history: CheckpointHistory;
  /** Longest a dump may keep a container frozen (cryo.checkpoint.maxFrozenSeconds, --max-frozen); unset: by memory. */
  maxFrozenMs: number | undefined;

  constructor(
    readonly name: string,
    readonly endpoint: string,
    readonly docker: Docker,
    readonly runner: CommandRunner,
    readonly cryoStateDir: string = DEFAULT_CRYO_STATE_DIR,
    /** Releases what the host holds (an SSH host: its ssh processes). */
    private readonly onDispose?: () => Promise<void>,
  ) {
    this.history = new CheckpointHistory(name);
  }

  /** The local daemon (DOCKER_HOST if it is a unix/tcp URL, else the default socket). */
  static local(name = 'local', endpoint = localEndpoint()): DockerHost {
    return new DockerHost(name, endpoint, connectDocker(parseEndpoint(endpoint)), new LocalRunner());
  }

  /**
   * A host reached with the system ssh client: `ssh://user@host[:port]`. The Docker API goes
   * through `docker system dial-stdio` there and commands through an SshRunner, all over one
   * shared SSH connection. dispose() closes it.
   */
  static ssh(name: string, endpoint: string, options: SshOptions = {}): DockerHost {
    const c = connectSshDocker(sshTargetFromEndpoint(endpoint), options);
    return new DockerHost(name, endpoint, c.docker, c.runner, DEFAULT_CRYO_STATE_DIR, c.dispose);
  }

  /** Closes connections the host holds; the host is unusable afterwards. */
  async dispose(): Promise<void> {
    await this.onDispose?.();
  }

  /** Capabilities are probed once and cached; refresh() forgets them. */
  capabilities(signal?: AbortSignal): Promise<CapabilityReport> {
    this.report ??= probeHost(this.docker, this.runner, signal).then((r) => {
      if (r.raw.docker.rootDir) this.rootDir = r.raw.docker.rootDir;
      // What is known about restore here; the behaviour test, if needed, runs in the background.
      return withRestoreTest(this, r);
    });
    // A failed probe must not stay cached forever.
    this.report.catch(() => (this.report = undefined));
    return this.report;
  }

  /**
   * Whether Cryo may rely on `docker start --checkpoint` into the same container here, once the
   * restore behaviour test has answered (capabilities() may still say "pending" by version).
   * Call before freezing a container whose restore depends on it.
   */
  async restoreInPlace(signal?: AbortSignal): Promise<Feature> {
    const current = this.capabilities(signal);
    const settled = await settledRestoreTest(this, await current);
    if (this.report === current) this.report = Promise.resolve(settled);
    return settled.restoreInPlace;
  }

  refresh(): void {
    this.report = undefined;
  }

  async engineContext(): Promise<EngineContext> {
    if (!this.rootDir) await this.capabilities();
    return { docker: this.docker, runner: this.runner, dockerRootDir: this.rootDir ?? '/var/lib/docker', cryoStateDir: this.cryoStateDir };
  }

  async listContainers(): Promise<ContainerInfo[]> {
    const list = await this.docker.listContainers({ all: true });
    // Cryo's network holders are plumbing: hidden, and removed once their container is gone.
    await cleanStaleHolders(this, list).catch(() => undefined);
    return list.filter((c) => !isHolder(c)).map(toContainerInfo).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Names only (one API call), for uniqueness checks. */
  checkpointNames(containerId: string): Promise<string[]> {
    return apiListCheckpoints(this.docker.getContainer(containerId));
  }

  /**
   * Checkpoints of a container with size and age when Cryo may read Docker's folders,
   * names only (from the API) otherwise.
   */
  async listCheckpoints(containerId: string): Promise<CheckpointInfo[]> {
    const names = await apiListCheckpoints(this.docker.getContainer(containerId));
    if (names.length === 0) return [];
    const ctx = await this.engineContext();
    const base = `${ctx.dockerRootDir}/containers/${containerId}/checkpoints`;
    const dirs = names.map((n) => `${base}/${n}`);
    const [sizes, times] = await Promise.all([
      this.runner.run(['du', '-sb', '--', ...dirs], { privileged: true, timeoutMs: 15_000 }),
      this.runner.run(['stat', '-c', '%n\t%Y', '--', ...dirs], { privileged: true, timeoutMs: 15_000 }),
    ]);
    return parseCheckpointListing(names, base, sizes.stdout, times.stdout);
  }
}

function localEndpoint(): string {
  const env = process.env['DOCKER_HOST'];
  return env && (env.startsWith('unix://') || env.startsWith('tcp://')) ? env : 'unix:///var/run/docker.sock';
}
