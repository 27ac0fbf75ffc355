// SSH-remote Docker hosts through the system OpenSSH client.
export { shellQuote, remoteCommandLine } from './quote.js';
export { sshTargetFromEndpoint, describeTarget, sshBaseArgs, sshCommandArgs, type SshOptions, type SshTarget } from './target.js';
export { SshError, classifySshFailure, dialStdioError, type SshFailureKind } from './errors.js';
export { SshConnection, type RemoteIdentity } from './connection.js';
export { SshRunner, SSH_LIMITS } from './sshRunner.js';
export { SshDialAgent, DialStdioSocket, DIAL_STDIO, type DialAgentOptions } from './dialStdio.js';
export { connectSshDocker, type SshDocker } from './sshDocker.js';
