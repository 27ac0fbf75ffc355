/**
 * ssh sends its command as ONE string that the remote user's shell parses again, so
 * every argument is quoted here, and only here. POSIX sh single quotes keep every byte
 * literally (spaces, $, `, ", \, newlines); a single quote itself becomes '\''.
 * Assumes a POSIX login shell on the remote side (sh, bash, dash, zsh, ksh): csh and
 * fish users need a POSIX shell for the ssh account, as with docker's own ssh transport.
 */
// No "=": a leading NAME=value word would be an assignment, not a command.
const SAFE = /^[A-Za-z0-9_@%+:,./-]+$/;

export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('an argument cannot contain a NUL byte');
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The remote command line for argv: each argument quoted, joined with spaces. */
export function remoteCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(shellQuote).join(' ');
}
