import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CryoApi } from '../../src/extension/extension.js';
import type { CryoNode } from '../../src/extension/tree/nodes.js';

/**
 * Runs inside a real VS Code extension host (code-server here, or VS Code through
 * @vscode/test-cli), against the real local Docker daemon.
 */
const EXTENSION_ID = 'cryo-dev.cryo';
let api: CryoApi;
const container = `cryo-suite-${Date.now().toString(36)}`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

async function children(parent?: CryoNode): Promise<CryoNode[]> {
  return api.tree.getChildren(parent);
}

async function labelsOf(nodes: CryoNode[]): Promise<string[]> {
  return nodes.map((n) => String(n.toTreeItem().label));
}

suite('Cryo in the extension host', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    docker('run', '-d', '--name', container, '--network', 'none', 'cryo-counter:latest');
    const ext = vscode.extensions.getExtension<CryoApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
  });

  suiteTeardown(() => {
    try {
      docker('rm', '-f', container);
    } catch {
      // already gone
    }
  });

  test('every command in package.json is registered', async () => {
    const manifest = JSON.parse(readFileSync(join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), command);
  });

  test('the tree shows the local host, healthy, with the running container', async () => {
    const hosts = await children();
    assert.deepEqual(await labelsOf(hosts), ['local']);
    const host = hosts[0]!;
    const item = host.toTreeItem();
    assert.equal(item.contextValue, 'host');
    assert.match(String(item.description), /Docker 20\.10.* · CRIU \d/);
    const containers = await children(host);
    const mine = containers.find((n) => n.toTreeItem().label === container);
    assert.ok(mine, `container ${container} listed among ${(await labelsOf(containers)).join(', ')}`);
    assert.equal(mine.toTreeItem().contextValue, 'runningContainer');
  });

  test('a checkpoint made on the host appears under its container after a refresh', async () => {
    docker('checkpoint', 'create', '--leave-running', container, 'suite-cp');
    await vscode.commands.executeCommand('cryo.hosts.refresh');
    const host = (await children())[0]!;
    const node = (await children(host)).find((n) => n.toTreeItem().label === container)!;
    const cps = await children(node);
    assert.deepEqual(await labelsOf(cps), ['suite-cp']);
    const item = cps[0]!.toTreeItem();
    assert.equal(item.contextValue, 'checkpoint');
    assert.match(String(item.description), /(KiB|MiB) · \d+s ago/);
  });
});
