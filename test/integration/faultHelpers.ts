import { execa, type ResultPromise } from 'execa';
import { readFile as readHostFile } from 'node:fs/promises';
import { freezerOf } from '../../src/core/guard/freezer.js';
import { checkpointProcessTree, parsePs, PS_ARGV } from '../../src/core/guard/processTree.js';
import type { DockerHost } from '../../src/core/index.js';
import { runContainer } from './helpers.js';

/**
 * Fault injection on this machine (host A) for the fault suite: the CRIU under a real
 * `runc checkpoint` of one container is found as it starts and sent signals. A shell loop,
 * because a small container's whole dump lasts ~0.1 s: spawning ps from Node would miss it.
 */
const WATCH = `
id=$1; mode=$2; freezer=$3; verb=\${4:-checkpoint}; end=$((SECONDS + 60))
while [ $SECONDS -lt $end ]; do
  for r in $(pgrep -f -- "runc .*$verb .*$id\\$"); do
    c=$(pgrep -P "$r" -x criu | head -n 1)
    if [ -n "$c" ]; then
      # Gone before the signal (the dump ended first): keep watching, never report a miss as a hit.
      kill -STOP "$c" 2>/dev/null || continue
      echo "$c"
      if [ "$mode" = kill ]; then
        # Where CRIU stopped in its freeze-seize-thaw is a matter of luck; make it the worst
        # case: the cgroup frozen when CRIU dies (what a CRIU killed mid-freeze leaves).
        [ -n "$freezer" ] && echo FROZEN > "$freezer"
        sleep 0.3; kill -KILL "$c"
      fi
      exit 0
    fi
  done
done
exit 1`;

/**
 * Watches for CRIU under a checkpoint of `containerId` and SIGSTOPs it the moment it
 * appears (while it freezes the cgroup or seizes the tasks); mode 'kill' then freezes the
 * cgroup at `freezerPath` and SIGKILLs CRIU 0.3 s later: the CRIU that dies with the cgroup
 * frozen. `verb` 'restore' watches the `runc restore` containerd's shim runs for a
 * `docker start --checkpoint` instead. Resolves with CRIU's pid.
 */
export function signalCriuOf(containerId: string, mode: 'stop' | 'kill', freezerPath = '', verb: 'checkpoint' | 'restore' = 'checkpoint'): { pid: Promise<number>; at: Promise<number>; cancel(): void } {
  const child: ResultPromise = execa('bash', ['-c', WATCH, 'bash', containerId, mode, freezerPath, verb], { reject: false });
  let stoppedAt = 0;
  child.stdout?.once('data', () => (stoppedAt = Date.now()));
  const result = child.then((r) => {
    const pid = Number(String(r.stdout).trim());
    if (!pid) throw new Error(`no CRIU appeared under a runc checkpoint of ${containerId.slice(0, 12)}`);
    return pid;
  });
  const at = result.then(() => stoppedAt);
  // A caller that awaits only pid must see the miss there, not as an unhandled rejection of at.
  at.catch(() => undefined);
  return { pid: result, at, cancel: () => child.kill('SIGKILL') };
}

/**
 * A container whose dump lasts long enough for signalCriuOf to catch its CRIU under load:
 * the counter's dump ends in ~0.1 s and was missed once in a full CI run (a watcher's pgrep
 * found CRIU as it exited). memhog holds 64 MiB (~0.5 s of dump) and writes /count like the
 * counter does, so readCount and the continuity checks work unchanged.
 */
export function runDumpTarget(host: DockerHost, name: string): Promise<string> {
  return runContainer(host, 'cryo-memhog:latest', name, ['/memhog', '64', '0']);
}

/** Every runc checkpoint of the container still alive on this machine, with what it started. */
export async function checkpointProcesses(containerId: string, initPid?: number): Promise<number[]> {
  const r = await execa(PS_ARGV[0], PS_ARGV.slice(1));
  return checkpointProcessTree(parsePs(String(r.stdout)), containerId, process.pid, initPid);
}

/** The container's freezer file (freezer.state on v1, cgroup.freeze on v2) on this machine. */
export async function freezerPath(pid: number): Promise<string> {
  const f = freezerOf(await readHostFile(`/proc/${pid}/cgroup`, 'utf8'));
  if (!f) throw new Error(`no freezer cgroup for pid ${pid}`);
  return f.path;
}

/** THAWED/FROZEN on v1; on v2 the 0/1 of cgroup.freeze is spelled the v1 way. */
export async function freezerState(pid: number): Promise<string> {
  const path = await freezerPath(pid);
  const s = (await readHostFile(path, 'utf8')).trim();
  return path.endsWith('cgroup.freeze') ? (s === '0' ? 'THAWED' : 'FROZEN') : s;
}
