import * as vscode from 'vscode';
import { bench, type DockerHost } from '../../core/index.js';
import { reportError, withCancellableProgress } from '../ui/progress.js';
import type { ChartsPanels } from '../webview/chartsPanel.js';
import type { CommandContext } from './context.js';

type Preset = 'quick' | 'full';

/**
 * "Cryo: Run Benchmark…": host, scenario, quick or full preset; runs under a cancellable
 * progress notification (cancel removes the run's containers) with every record appended to
 * the extension's results store, so an open charts panel redraws as runs land. The summary
 * tables go to the log; "Open Charts" at the end.
 */
export function benchCommand(ctx: CommandContext, charts: Pick<ChartsPanels, 'createOrShow'>) {
  return async (): Promise<void> => {
    const host = await pickHost(ctx);
    if (!host) return;
    const scenario = await vscode.window.showQuickPick(
      bench.SCENARIOS.map((s) => ({ label: s.name, description: s.reproduces, detail: s.title, scenario: s })),
      { title: `Run Benchmark on ${host.name} (2/3)`, placeHolder: 'Scenario', matchOnDescription: true, matchOnDetail: true },
    );
    if (!scenario) return;
    const presets = (['quick', 'full'] as const).map((p) => {
      const prepared = scenario.scenario.prepare(scenario.scenario.presets[p]);
      return { label: p === 'quick' ? 'Quick' : 'Full', description: `${prepared.steps} measured steps`, detail: prepared.description, preset: p as Preset, prepared };
    });
    const picked = await vscode.window.showQuickPick(presets, { title: `Run Benchmark: ${scenario.scenario.name} (3/3)`, placeHolder: 'How much to measure' });
    if (!picked) return;

    const runId = bench.newBenchRunId();
    const what = `${scenario.scenario.name} benchmark on ${host.name}`;
    ctx.log.info(`Benchmark ${scenario.scenario.name} (${picked.preset}, run ${runId}) on ${host.name}: ${picked.prepared.description}`);
    let summary: bench.ScenarioSummary;
    try {
      summary = await withCancellableProgress(`Cryo: ${what}`, (report, signal) =>
        picked.prepared.run(host, {
          runId,
          signal,
          store: ctx.store,
          onProgress: (p) => {
            report(`${p.done}/${p.total} · ${p.message}`);
            ctx.log.debug(`bench ${runId}: ${p.message}`);
          },
        }),
      );
    } catch (e) {
      await reportError(ctx.log, `The ${what}`, e);
      return;
    }
    ctx.log.info(`Benchmark ${scenario.scenario.name} (run ${runId}) done:\n${bench.renderSummaryText(summary)}`);
    const failed = summary.failed ? `, ${summary.failed} failed` : '';
    const choice = await vscode.window.showInformationMessage(`Cryo: ${what} done: ${summary.records} runs recorded${failed}.`, 'Open Charts', 'Show Summary');
    if (choice === 'Open Charts') charts.createOrShow();
    else if (choice === 'Show Summary') ctx.log.show(true);
  };
}

async function pickHost(ctx: CommandContext): Promise<DockerHost | undefined> {
  const hosts = ctx.hosts.all();
  if (hosts.length === 0) {
    void vscode.window.showInformationMessage('Cryo: no Docker host to benchmark.');
    return undefined;
  }
  if (hosts.length === 1) return hosts[0];
  const picked = await vscode.window.showQuickPick(
    hosts.map((h) => ({ label: h.name, description: h.endpoint, host: h })),
    { title: 'Run Benchmark (1/3)', placeHolder: 'Docker host to benchmark' },
  );
  return picked?.host;
}
