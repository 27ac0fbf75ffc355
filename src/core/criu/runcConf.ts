import { abortError } from '../exec/localRunner.js';
import { runChecked, type StreamingCommand } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { acquireHostLock, HostLockTimeoutError, lockDir, type HostLock } from '../host/hostLock.js';
import { criuConfLines, describeCriuOptions, hasCriuOptions, type CriuOptions } from './options.js';

/**
 * Docker's API passes no CRIU option, on checkpoint or on restore, but runc hands CRIU the
 * config file /etc/criu/runc.conf for both (unless the container has an org.criu.config
 * annotation). So a restore through Docker gets the options a checkpoint was made with by
 * adding them to that file for the duration of Docker's start.
 *
 * The file is host-wide and may be the user's own, hence:
 * - the change is made and held by one process on the host, run under flock on the host
 *   lock `runc-conf` (the same lock as acquireHostLock): one Cryo operation at a time;
 * - before the file changes, a backup of it (or the fact that there was none, or no folder)
 *   and a journal are written under cryoStateDir; putting back removes the journal last,
 *   so a crash at any point leaves either the user's file or a journal to recover from;
 * - the new file is the user's bytes plus Cryo's block, written to a temp file and renamed;
 * - putting back copies the backup (mode and owner too) over the file by rename, or removes
 *   a file (and folder) Cryo created; if someone edited the file meanwhile it is left alone
 *   and the backup kept beside it (.before-cryo);
 * - the holder puts the file back when its stdin closes: when Cryo is done, and also when
 *   Cryo dies (its pipe or ssh session closes);
 * - if the holder dies too, the journal stays: whoever takes the lock next knows its writer
 *   is gone (the lock dies with its holder) and recovers first, and every checkpoint and
 *   restore on the host checks for a journal and recovers it when the lock is free.
 */
export const RUNC_CONF = '/etc/criu/runc.conf';
export const RUNC_CONF_LOCK = 'runc-conf';

export interface RuncConfTarget {
  /** The config file runc reads (tests point it elsewhere). */
  conf: string;
  /** Journal folder under cryoStateDir. */
  stateDir: string;
}

export function runcConfTarget(host: Pick<DockerHost, 'cryoStateDir'>, conf = RUNC_CONF): RuncConfTarget {
  // Another file (a container's org.criu.config) gets a journal of its own, named after its path.
  const own = conf === RUNC_CONF ? '' : `/file-${conf.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return { conf, stateDir: `${host.cryoStateDir}/runc-conf${own}` };
}

/**
 * The config file runc hands CRIU for this container: its org.criu.config annotation when
 * set (Docker >= 24 passes annotations), none when set empty, else the host-wide runc.conf.
 */
export function criuConfigFileOf(inspect: { HostConfig?: unknown }): string | null {
  const annotations = (inspect.HostConfig as { Annotations?: Record<string, string> } | undefined)?.Annotations;
  const value = annotations?.['org.criu.config'];
  if (value === undefined) return RUNC_CONF;
  return value === '' ? null : value;
}

/**
 * runc hands CRIU the same file on a dump: while a restore has added its options there, a
 * dump would take them without Cryo recording them, and its own restore would then lack
 * them. Dumps hold the file's lock shared (they run together) and so wait out a change.
 * Undefined when the container reads a config file of its own (or none).
 */
export async function holdRuncConfForDump(host: DockerHost, inspect: { HostConfig?: unknown }, signal?: AbortSignal): Promise<HostLock | undefined> {
  if (criuConfigFileOf(inspect) !== RUNC_CONF) return undefined;
  // A restore of a large checkpoint holds the change for minutes: wait that long, not the default minute.
  return acquireHostLock(host, RUNC_CONF_LOCK, { shared: true, waitMs: 10 * 60_000, holder: `checkpoint (dump) pid ${process.pid}`, ...(signal ? { signal } : {}) });
}

/** Cryo's block as appended to the user's file (a leading newline: their last line may lack one). */
export function cryoBlock(criu: CriuOptions): string {
  return `\n# Added by Cryo for a restore (${describeCriuOptions(criu)}); removed when it ends.\n${criuConfLines(criu).join('\n')}\n`;
}

// recover: puts back the user's file if a journal says it was changed. Returns 3 when the
// file was edited or removed while changed: left as is, the user's version beside it (.before-cryo).
const RECOVER_FN = `
recover() {
  [ -e "$st/journal" ] || return 0
  read -r had dir < "$st/journal" || return 1
  # Crashed before the change itself: the file is still the user's.
  if [ "$had" = present ] && cmp -s -- "$conf" "$st/original"; then rm -f -- "$st/original" "$st/ours" && rm -f -- "$st/journal"; return; fi
  # Edited, or removed (Cryo never removes a file that was there), while changed: the user's call.
  if { [ -e "$conf" ] && [ -e "$st/ours" ] && ! cmp -s -- "$conf" "$st/ours"; } || { [ "$had" = present ] && [ ! -e "$conf" ]; }; then
    kept=
    if [ "$had" = present ] && [ -d "\${conf%/*}" ]; then cp -p -- "$st/original" "$conf.before-cryo" || return 1; kept="; the version from before is in $conf.before-cryo"; fi
    rm -f -- "$st/original" "$st/ours" "$st/journal"
    rmdir -- "$st" 2>/dev/null
    echo "$conf was edited or removed while Cryo had changed it: left as is$kept" >&2
    return 3
  fi
  if [ "$had" = present ]; then
    cp -p -- "$st/original" "$conf.cryo-tmp" && mv -f -- "$conf.cryo-tmp" "$conf" || return 1
  else
    rm -f -- "$conf" || return 1
    [ "$dir" = dir ] || rmdir -- "\${conf%/*}" 2>/dev/null || true
  fi
  rm -f -- "$st/original" "$st/ours" && rm -f -- "$st/journal" || return 1
  rmdir -- "$st" 2>/dev/null || true
}
conf=$1 st=$2
`;

const RECOVER = `${RECOVER_FN}recover`;

// One process does it all, under the lock flock took before running it: recovers a stale
// change (its holder is gone, or we would not hold the lock), backs up, journals, changes
// ($3 is Cryo's block), says "applied", then waits for stdin to close and puts the file
// back. stdin closes when Cryo is done, and also when Cryo dies: the user's file comes
// back even then; the journal covers what is left (a killed shell, a reboot).
const HOLD = `${RECOVER_FN}
recover || [ $? = 3 ] || exit 1
apply() {
  mkdir -p -- "$st" || return 1
  if [ -e "$conf" ]; then
    had=present; cp -p -- "$conf" "$st/original.tmp" && mv -f -- "$st/original.tmp" "$st/original" || return 1
  else had=absent; fi
  if [ -d "\${conf%/*}" ]; then dir=dir; else dir=nodir; fi
  { [ "$had" = absent ] || cat -- "$st/original"; printf '%s' "$3"; } > "$st/ours" || return 1
  echo "$had $dir" > "$st/journal.tmp" && mv -f -- "$st/journal.tmp" "$st/journal" || return 1
  mkdir -p -- "\${conf%/*}" && cp -- "$st/ours" "$conf.cryo-tmp" || return 1
  [ "$had" = absent ] || chmod --reference="$st/original" -- "$conf.cryo-tmp" || return 1
  mv -f -- "$conf.cryo-tmp" "$conf"
}
apply "$@" || { recover; exit 1; }
echo applied
cat > /dev/null
recover
`;

export class RuncConfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuncConfError';
  }
}

export interface RuncConfTiming {
  /** From asking to the file changed: starting the holder, waiting for the lock, backup, journal, change. */
  applyMs: number;
  /** Putting the user's file back and letting go of the lock. */
  putBackMs: number;
}

/** flock's exit code when the lock stayed taken for the whole wait. */
const LOCK_TIMEOUT_EXIT = 75;
const LOCK_WAIT_S = 120;

/**
 * Runs fn (a restore through Docker) with `criu` added to the host's runc.conf, and puts
 * the user's file back afterwards, whatever fn does. Without options it just runs fn.
 * The change is held by ONE process on the host (`flock LOCK sh -c HOLD`): one process start
 * for the lock, the change and putting back, which matters most over SSH.
 */
export async function withRuncConf<T>(
  host: DockerHost,
  criu: CriuOptions | undefined,
  fn: () => Promise<T>,
  opts: { signal?: AbortSignal; conf?: string; onTiming?: (t: RuncConfTiming) => void; onWarning?: (message: string) => void } = {},
): Promise<T> {
  if (!hasCriuOptions(criu)) return fn();
  const target = runcConfTarget(host, opts.conf);
  const t0 = performance.now();
  const holder = await startHolder(host, target, cryoBlock(criu!), opts.signal);
  const t1 = performance.now();
  try {
    return await fn();
  } finally {
    const t2 = performance.now();
    holder.stdin.end();
    const { exitCode, stderr } = await holder.done;
    opts.onTiming?.({ applyMs: t1 - t0, putBackMs: performance.now() - t2 });
    if (exitCode === 3) opts.onWarning?.(stderr.trim());
    else if (exitCode !== 0) {
      // The holder could not put it back (or died): try once more, then leave it to the journal.
      await putBack(host, target, opts.onWarning);
    }
  }
}

/** Starts the holder and waits until the change is in the file. */
async function startHolder(host: DockerHost, target: RuncConfTarget, block: string, signal?: AbortSignal): Promise<StreamingCommand> {
  const lockFile = `${lockDir(host)}/${RUNC_CONF_LOCK}.lock`;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortError();
    const proc = host.runner.spawnStream(['flock', '-E', String(LOCK_TIMEOUT_EXIT), '-w', String(LOCK_WAIT_S), lockFile, 'sh', '-c', HOLD, 'sh', target.conf, target.stateDir, block], { privileged: true });
    // Cancel while waiting for the lock: closing stdin makes a holder that just got it put the file back.
    const onAbort = () => {
      proc.stdin.end();
      proc.kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const applied = await Promise.race([lineOf(proc, 'applied').then(() => true), proc.done.then(() => false)]);
    signal?.removeEventListener('abort', onAbort);
    if (applied) return proc;
    const { exitCode, stderr } = await proc.done;
    if (signal?.aborted) throw abortError();
    // First use on this host: the lock folder does not exist yet.
    if (attempt === 1 && /cannot open lock file|No such file/.test(stderr)) {
      await runChecked(host.runner, ['mkdir', '-p', '--', lockDir(host)], { privileged: true, timeoutMs: 15_000 });
      continue;
    }
    if (exitCode === LOCK_TIMEOUT_EXIT) throw new HostLockTimeoutError(RUNC_CONF_LOCK, host.name, undefined);
    throw new RuncConfError(`Could not add the CRIU options to ${target.conf} on host ${host.name} for the restore: ${stderr.trim() || `exit ${exitCode}`}`);
  }
}

function lineOf(proc: StreamingCommand, line: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer | string) => {
      seen += d.toString();
      if (seen.split('\n').includes(line)) {
        proc.stdout.removeListener('data', onData);
        proc.stdout.resume();
        resolve();
      }
    };
    proc.stdout.on('data', onData);
  });
}

async function putBack(host: DockerHost, target: RuncConfTarget, onWarning?: (message: string) => void): Promise<void> {
  const r = await host.runner.run(['sh', '-c', RECOVER, 'sh', target.conf, target.stateDir], { privileged: true, timeoutMs: 30_000 });
  if (r.exitCode === 3) onWarning?.(r.stderr.trim());
  else if (r.exitCode !== 0) throw new RuncConfError(`Could not put ${target.conf} back on host ${host.name}: ${r.stderr.trim() || `exit ${r.exitCode}`}; the journal in ${target.stateDir} keeps what to restore, and the next Cryo operation on this host tries again.`);
}

/**
 * Called at the start of Cryo's operations on a host: if an earlier Cryo crashed while it
 * had changed runc.conf, put the user's file back now. A journal whose lock is held belongs
 * to a live operation and is left to it. Returns whether it recovered something.
 */
export async function recoverStaleRuncConf(host: DockerHost, opts: { conf?: string; onWarning?: (message: string) => void } = {}): Promise<boolean> {
  const target = runcConfTarget(host, opts.conf);
  const probe = await host.runner.run(['test', '-e', `${target.stateDir}/journal`], { privileged: true, timeoutMs: 10_000 });
  if (probe.exitCode !== 0) return false;
  let lock;
  try {
    lock = await acquireHostLock(host, RUNC_CONF_LOCK, { waitMs: 0, holder: 'recovering runc.conf' });
  } catch (e) {
    if (e instanceof HostLockTimeoutError) return false;
    throw e;
  }
  try {
    await putBack(host, target, opts.onWarning);
    return true;
  } finally {
    await lock.release();
  }
}

/** Reads the current runc.conf (undefined when there is none), for tests and diagnostics. */
export async function readRuncConf(host: DockerHost, conf = RUNC_CONF): Promise<Buffer | undefined> {
  const r = await host.runner.runBinary(['cat', '--', conf], { privileged: true, timeoutMs: 10_000 });
  if (r.exitCode === 0) return r.stdout;
  if (/No such file/.test(r.stderr)) return undefined;
  throw new RuncConfError(`Cannot read ${conf} on host ${host.name}: ${r.stderr.trim()}`);
}
