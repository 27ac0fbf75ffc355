/**
 * CRIU options that real applications need and that Docker never passes: a server with a
 * client connected (TCP), a database holding file locks, a process talking over a unix
 * socket to the outside, a shell or TTY job. The runc engine passes them on its dump as
 * runc flags; a restore through Docker gets them from a CRIU config file that runc reads
 * (see runcConf.ts).
 */
export interface CriuOptions {
  tcpEstablished?: boolean;
  fileLocks?: boolean;
  extUnixSockets?: boolean;
  shellJob?: boolean;
}

export type CriuOptionKey = keyof CriuOptions;

export interface CriuOptionInfo {
  key: CriuOptionKey;
  /** `runc checkpoint` flag (runc forwards it to CRIU). */
  runcFlag: string;
  /** The same option as a line of a CRIU config file (CRIU's long option without dashes). */
  confLine: string;
  /** CLI flag of `cryo checkpoint` / `cryo periodic` / `cryo migrate`. */
  cliFlag: string;
  label: string;
  /** When it is needed, in one line. */
  when: string;
  /** Text CRIU puts in its log when the option was missing (the decisive error). */
  criuSays: RegExp;
}

export const CRIU_OPTIONS: readonly CriuOptionInfo[] = [
  {
    key: 'tcpEstablished',
    runcFlag: '--tcp-established',
    confLine: 'tcp-established',
    cliFlag: '--tcp-established',
    label: 'Keep established TCP connections',
    when: 'a server with connected clients, or a client connected to a server (redis, databases, web services)',
    criuSays: /Connected TCP socket|--tcp-established/,
  },
  {
    key: 'fileLocks',
    runcFlag: '--file-locks',
    confLine: 'file-locks',
    cliFlag: '--file-locks',
    label: 'Keep file locks',
    when: 'a process holds flock/fcntl locks (mariadb, postgresql, sqlite, apt)',
    criuSays: /file locks are hold|--file-locks/,
  },
  {
    key: 'extUnixSockets',
    runcFlag: '--ext-unix-sk',
    confLine: 'ext-unix-sk',
    cliFlag: '--ext-unix-sk',
    label: 'Allow external unix sockets',
    when: 'a process is connected over a unix socket to something outside the container (a bind-mounted socket, syslog)',
    criuSays: /External socket is used|--ext-unix-sk/,
  },
  {
    key: 'shellJob',
    runcFlag: '--shell-job',
    confLine: 'shell-job',
    cliFlag: '--shell-job',
    label: 'Shell job (TTY)',
    when: "the container's process is a shell job of a terminal session (sessions or process groups that start outside the container)",
    criuSays: /--shell-job|attached to shell terminal/,
  },
];

const BY_KEY = new Map(CRIU_OPTIONS.map((o) => [o.key, o]));

export function criuOptionInfo(key: CriuOptionKey): CriuOptionInfo {
  return BY_KEY.get(key)!;
}

/** The options that are on, in table order. */
export function enabledCriuOptions(o: CriuOptions | undefined): CriuOptionInfo[] {
  return o ? CRIU_OPTIONS.filter((info) => o[info.key] === true) : [];
}

export function hasCriuOptions(o: CriuOptions | undefined): boolean {
  return enabledCriuOptions(o).length > 0;
}

/** Only the options that are on (false and unknown keys dropped), or undefined when none is. */
export function normalizeCriuOptions(o: CriuOptions | undefined): CriuOptions | undefined {
  const on = enabledCriuOptions(o);
  if (on.length === 0) return undefined;
  return Object.fromEntries(on.map((info) => [info.key, true])) as CriuOptions;
}

/** Union of two option sets (e.g. the user's defaults and what a past checkpoint needed). */
export function mergeCriuOptions(a: CriuOptions | undefined, b: CriuOptions | undefined): CriuOptions | undefined {
  return normalizeCriuOptions({ ...normalizeCriuOptions(a), ...normalizeCriuOptions(b) });
}

/** `runc checkpoint` flags, e.g. ['--tcp-established', '--file-locks']. */
export function runcCheckpointFlags(o: CriuOptions | undefined): string[] {
  return enabledCriuOptions(o).map((info) => info.runcFlag);
}

/** Lines of a CRIU config file (runc.conf), e.g. ['tcp-established', 'file-locks']. */
export function criuConfLines(o: CriuOptions | undefined): string[] {
  return enabledCriuOptions(o).map((info) => info.confLine);
}

/** "tcp-established, file-locks" (or "none"), for logs and confirmations. */
export function describeCriuOptions(o: CriuOptions | undefined): string {
  const on = enabledCriuOptions(o);
  return on.length ? on.map((info) => info.confLine).join(', ') : 'none';
}

/**
 * The options a failed dump or restore asked for and that were not on: CRIU's decisive
 * error names them ("Connected TCP socket, consider using --tcp-established option.").
 */
export function missingCriuOptions(criuError: string, used: CriuOptions | undefined): CriuOptionInfo[] {
  return CRIU_OPTIONS.filter((info) => used?.[info.key] !== true && info.criuSays.test(criuError));
}

/** One sentence with the remedy for those options, or undefined when CRIU asked for none. */
export function criuOptionsRemedy(criuError: string, used: CriuOptions | undefined): string | undefined {
  const missing = missingCriuOptions(criuError, used);
  if (missing.length === 0) return undefined;
  const names = missing.map((m) => `'${m.label}' (${m.cliFlag})`).join(' and ');
  return `Checkpoint again with ${names}, with the runc engine.`;
}

/** Parses `cryo` CLI flags into options (flags not about CRIU options are left to the caller). */
export function criuOptionsFromFlags(has: (flag: string) => boolean): CriuOptions | undefined {
  return normalizeCriuOptions(Object.fromEntries(CRIU_OPTIONS.map((info) => [info.key, has(info.cliFlag.slice(2))])) as CriuOptions);
}
