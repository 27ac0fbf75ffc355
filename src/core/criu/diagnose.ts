import type { CriuOptionKey } from './options.js';

/**
 * Finds the DECISIVE error in a CRIU log (or a daemon's error text) and maps it to a remedy.
 * CRIU logs hold many "Error" lines that are not the cause: noise every run prints here
 * ("rlimit: Can't setup RLIMIT_NOFILE for self"), consequences printed after the cause
 * ("Dump files (pid: N) failed", "Dumping FAILED."), and thousands of smaps lines whose
 * text merely contains "error" (libgpg-error.so in "Handling VMA ..."). The first known
 * cause in log order is decisive; a warning-only cause (a `docker exec` process) only when
 * nothing stronger is there. Pure: the logs are read by criuLog.ts.
 */


export type CriuDiagnosisCode =
  | 'tcp-established'
  | 'file-locks'
  | 'ext-unix-sk'
  | 'shell-job'
  | 'criu-too-old-for-sockets'
  | 'docker-restore-netns'
  | 'exec-process'
  | 'other-user'
  | 'no-space'
  | 'unknown';

export interface CriuDiagnosis {
  code: CriuDiagnosisCode;
  /** The line that says why, without CRIU's timestamp. */
  decisiveLine: string;
  /** What the user can do, in Cryo's words. */
  remedy: string;
  /** Set when turning on one CRIU option is the remedy ("Retry with ..."). */
  option?: CriuOptionKey;
}

interface Rule {
  code: Exclude<CriuDiagnosisCode, 'unknown'>;
  match: RegExp;
  remedy: string;
  option?: CriuOptionKey;
  /** A weak cause is decisive only when no strong one is in the log. */
  weak?: boolean;
}

const RULES: readonly Rule[] = [
  {
    code: 'tcp-established',
    match: /Connected TCP socket|consider using --tcp-established/,
    option: 'tcpEstablished',
    remedy:
      'A process has an established TCP connection. Checkpoint again with "Keep established TCP connections" (--tcp-established, runc engine); ' +
      'the connection is restored with the container (a peer outside it must still be there).',
  },
  {
    code: 'file-locks',
    match: /file locks are hold|You can try --file-locks/,
    option: 'fileLocks',
    remedy: 'A process holds file locks (databases do). Checkpoint again with "Keep file locks" (--file-locks, runc engine).',
  },
  {
    code: 'ext-unix-sk',
    match: /External socket is used|--ext-unix-sk|sk-unix.*external/i,
    option: 'extUnixSockets',
    remedy:
      'A process is connected over a unix socket to something outside the container (a bind-mounted socket). ' +
      'Checkpoint again with "Allow external unix sockets" (--ext-unix-sk, runc engine); the outside end must exist again at restore.',
  },
  {
    code: 'shell-job',
    match: /--shell-job|is not a session leader|attached to shell terminal|Found slave peer index \d+ without correspond master peer|tty: .*(?:dangling|without correspond)/,
    option: 'shellJob',
    remedy: 'The process belongs to a terminal session that started outside the container. Checkpoint again with "Shell job (TTY)" (--shell-job, runc engine).',
  },
  {
    code: 'criu-too-old-for-sockets',
    match: /Can't get 1:16 opt/,
    remedy:
      'CRIU older than 4.2 cannot dump TCP/UDP sockets on Linux 6.16 and later (it asks for SO_PASSCRED on every socket), although "criu check" passes. ' +
      'Upgrade CRIU on this host to 4.2 or later (scripts/provision/host.sh builds 4.2.1).',
  },
  {
    code: 'docker-restore-netns',
    match: /bind-mount \/proc\/\d+\/ns\/net\b/,
    remedy:
      'Docker 28+ cannot restore a checkpoint into a container with its own network namespace (moby issue 50750). ' +
      'Cryo restores on such a host by recreating the container under the same name in a form that restores; refresh the host ' +
      '(its restore test then marks it) and restore again. The checkpoint itself is intact.',
  },
  {
    code: 'other-user',
    match: /Can't get rlimit \d+: Operation not permitted/,
    remedy:
      'CRIU lacks CAP_SYS_RESOURCE here and cannot dump a process running under another user. Run the container\'s processes as root, or run CRIU with full capabilities.',
  },
  {
    code: 'no-space',
    match: /No space left on device|ENOSPC/i,
    remedy: 'The disk holding the checkpoint is full. Free space (old checkpoints, CRIU work folders) and try again; nothing was changed.',
  },
  {
    code: 'exec-process',
    match: /Unexpected process \d+ in the freezer cgroup|is not a descendant of/,
    weak: true,
    remedy:
      'A process started with `docker exec` is not a descendant of the container\'s main process: CRIU does not dump it and it is gone after a restore. ' +
      'Stop it before checkpointing, or start it from the container\'s own command.',
  },
];

/** Lines every CRIU run prints on this kind of host: never the cause. */
const NOISE = [/rlimit: Can't setup RLIMIT_NOFILE for self/];
/** Consequences printed after the cause: only decisive when nothing else explains it. */
const CONSEQUENCE = [/Dumping FAILED/, /Restoring FAILED/, /Dump files \(pid: \d+\) failed/, /criu failed: type \w+ errno/, /^log file:/];

/** "(00.214712) Error (criu/file-lock.c:110): ..." -> "Error (criu/file-lock.c:110): ..." */
function clean(line: string): string {
  return line.replace(/^\s*\(\s*\d+\.\d+\)\s*/, '').trim();
}

/** Whether a line is one of CRIU's own Error lines (not text that merely contains "error"). */
function isCriuError(line: string): boolean {
  return /^(?:Error|pie: \d+: Error) \(/.test(line) || /^Error:/.test(line);
}

/**
 * The decisive cause in `text` (a CRIU log, a daemon's error message, or both), or undefined
 * when nothing in it looks like a failure.
 */
export function diagnoseCriu(text: string): CriuDiagnosis | undefined {
  const lines = text.split('\n').map(clean).filter(Boolean);
  let weak: CriuDiagnosis | undefined;
  for (const line of lines) {
    if (NOISE.some((n) => n.test(line))) continue;
    const rule = RULES.find((r) => r.match.test(line));
    if (!rule) continue;
    const d: CriuDiagnosis = { code: rule.code, decisiveLine: line, remedy: rule.remedy, ...(rule.option ? { option: rule.option } : {}) };
    if (!rule.weak) return d;
    weak ??= d;
  }
  // Nothing known: the first error of CRIU's own that is neither noise nor a consequence;
  // a weak cause explains a failure better than a bare "Dumping FAILED." only.
  const errors = lines.filter((l) => isCriuError(l) && !NOISE.some((n) => n.test(l)));
  const cause = errors.find((l) => !CONSEQUENCE.some((c) => c.test(l)));
  const unknown = (line: string): CriuDiagnosis => ({ code: 'unknown', decisiveLine: line, remedy: 'CRIU gave no cause Cryo knows; its log (named above) has the details.' });
  if (cause) return unknown(cause);
  if (weak) return weak;
  return errors[0] ? unknown(errors[0]) : undefined;
}

/** "decisive line" + the remedy, as the one reason shown to a person. */
export function formatDiagnosis(d: CriuDiagnosis): string {
  return `${d.decisiveLine}\n${d.remedy}`;
}

/**
 * The first line of a tool's output (tar, zstd, CRIU, Docker) that says the disk is full, or
 * undefined: a full disk makes tar print one line per file it could not write, and only the
 * fact matters to a person.
 */
export function diskFullLine(text: string): string | undefined {
  return text
    .split('\n')
    .map(clean)
    .find((l) => /No space left on device|ENOSPC/i.test(l));
}
