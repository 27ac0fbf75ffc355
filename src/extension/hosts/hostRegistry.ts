import * as vscode from 'vscode';
import { DockerHost } from '../../core/index.js';

/** The hosts the tree shows. v0.1: the local daemon; remote hosts plug in here. */
export class HostRegistry implements vscode.Disposable {
  private hosts: DockerHost[] = [DockerHost.local()];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  all(): readonly DockerHost[] {
    return this.hosts;
  }

  byName(name: string): DockerHost | undefined {
    return this.hosts.find((h) => h.name === name);
  }

  /** Forget cached capabilities so the next look re-probes every host. */
  reprobe(): void {
    for (const h of this.hosts) h.refresh();
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
