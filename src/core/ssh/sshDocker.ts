import Docker from 'dockerode';
import { limitDockerCalls } from '../docker/callTimeouts.js';
import { SshConnection } from './connection.js';
import { SshDialAgent, type DialAgentOptions } from './dialStdio.js';
import { SshRunner } from './sshRunner.js';
import type { SshOptions, SshTarget } from './target.js';

/** Docker API and command runner for one ssh host, sharing one SSH connection. */
export interface SshDocker {
  docker: Docker;
  runner: SshRunner;
  agent: SshDialAgent;
  connection: SshConnection;
  /** Closes idle and busy Docker connections and the shared SSH connection. */
  dispose(): Promise<void>;
}

export function connectSshDocker(target: SshTarget, options: SshOptions = {}, agentOptions: DialAgentOptions = {}): SshDocker {
  const connection = new SshConnection(target, options);
  const runner = new SshRunner(connection);
  const agent = new SshDialAgent(connection, agentOptions);
  // The agent makes the connection; the host name only fills the Host header. It must be "localhost": VS Code's
  // extension host (http.proxySupport "override", the default) replaces the agent of any other host with its proxy agent.
  const docker = limitDockerCalls(new Docker({ protocol: 'http', host: 'localhost', port: 80, agent } as Docker.DockerOptions), connection.where);
  return {
    docker,
    runner,
    agent,
    connection,
    async dispose() {
      agent.destroy();
      await connection.dispose();
    },
  };
}
