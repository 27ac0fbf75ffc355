// A person's view of the charts: real checkpoints made first (two from the palette with
// "Cryo: Checkpoint (Leave Running)", one with the CLI writing to the same results file),
// then "Cryo: Open Charts" draws them: checked inside the webview through the test hook
// window.__cryoCharts and the canvases' data-painted flag.
// Needs Docker with CRIU, cryo-counter:latest, and dist/cli.mjs (npm run build).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { repoRoot } from '../lib/paths.mjs';
import { docker, openSession, screenshotOnFailure } from '../lib/session.mjs';

const execFileP = promisify(execFile);
const IMAGE = 'cryo-counter:latest';
const NAME = `cryo-e2e-charts-${Date.now().toString(36)}-${process.pid}`;

/** @returns {Promise<object[]>} the records in the results file */
async function records(/** @type {string} */ file) {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('Cryo in VS Code: charts of real runs', { timeout: 900_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};
  let tmp = '';
  let resultsFile = '';

  before(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-e2e-charts-'));
    resultsFile = path.join(tmp, 'results.jsonl');
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('run', '-d', '--name', NAME, '--network', 'none', IMAGE);
    // The extension reads cryo.resultsFile when it activates: set before the workbench loads.
    ({ wb, close } = await openSession({ settings: { 'cryo.resultsFile': resultsFile } }));
    await wb.openCryoView();
  });

  afterEach(screenshotOnFailure(() => wb, 'charts'));

  after(async () => {
    await close();
    await docker('rm', '-f', NAME).catch(() => {});
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  });

  /**
   * "Cryo: Checkpoint (Leave Running)" from the palette: the container, the name (prefilled),
   * the options (leave running preselected), and the engine when both work.
   * @param {'runc' | 'docker'} engine  answer to the engine pick, if it comes
   */
  async function checkpointFromPalette(engine) {
    await wb.runCommand('Cryo: Checkpoint (Leave Running)');
    await wb.answerQuickInput({ pick: NAME, expect: /Container to checkpoint/, timeout: 120_000 });
    await wb.answerQuickInput({ expect: /Checkpoint name/, timeout: 120_000 });
    await wb.answerQuickInput({ expect: /: options/, timeout: 60_000 });
    const end = Date.now() + 300_000;
    for (;;) {
      const made = (await wb.notifications()).find((m) => new RegExp(`checkpoint \\S+ of ${NAME} made`).test(m));
      if (made) return made;
      const failed = await wb.errorNotifications();
      if (failed.length) throw new Error(`Cryo reported: ${failed.join(' / ')}`);
      if ((await wb.quickInput.isVisible()) && /Checkpoint engine/.test(await wb.quickInputPrompt())) {
        await wb.answerQuickInput({ pick: engine });
      }
      if (Date.now() > end) throw new Error(`no checkpoint notification (showing: ${(await wb.notifications()).join(' / ')})`);
      await wb.page.waitForTimeout(250);
    }
  }

  it('Open Charts draws one point per run in the checkpoint-time chart', async () => {
    // Runs: two from the palette (runc, then docker when Cryo asks), one from the CLI.
    for (const engine of /** @type {const} */ (['runc', 'docker'])) {
      const msg = await checkpointFromPalette(engine);
      console.log(msg);
      // Dismiss it, so the next run's notification is the one waited for.
      await wb.runCommand('Notifications: Clear All Notifications');
    }
    const cli = await execFileP(process.execPath, [path.join(repoRoot, 'dist/cli.mjs'), 'checkpoint', NAME, '--leave-running', '--engine', 'auto', '--out', resultsFile], {
      timeout: 300_000,
    });
    console.log(`cli: ${cli.stdout.trim()}`);
    const runs = (await records(resultsFile)).filter((r) => r.kind === 'checkpoint' && r.outcome === 'ok');
    assert.equal(runs.length, 3, `three checkpoint records in ${resultsFile}`);
    assert.equal(await docker('inspect', '-f', '{{.State.Status}}', NAME), 'running', 'left running');

    await wb.runCommand('Cryo: Open Charts');
    const view = await wb.webviewFrame('Cryo Charts');
    const canvas = view.locator('canvas[data-chart-id="checkpointTime"]');
    await canvas.waitFor({ timeout: 60_000 });
    await view.locator('canvas[data-chart-id="checkpointTime"][data-painted="true"]').waitFor({ timeout: 60_000 });

    /** @type {{labels: string[], datasets: {label: string, data: (number | null | {x: number, y: number})[]}[]}} */
    const chart = await view.locator('body').evaluate(() => /** @type {any} */ (window).__cryoCharts.checkpointTime);
    console.log(`checkpointTime: ${JSON.stringify(chart)}`);
    assert.equal(chart.labels.length, runs.length, 'one label per run');
    const points = chart.datasets.flatMap((d) => d.data).filter((v) => v !== null);
    assert.equal(points.length, runs.length, 'one point per run');
    // The values are the runs' wall times, in start order.
    const wall = runs.map((r) => r.wallMs);
    for (const w of wall) assert.ok(points.some((p) => typeof p === 'number' && Math.abs(p - w) < 1), `a point for the run of ${w} ms`);
    // Each engine used is a series of its own.
    const engines = [...new Set(runs.map((r) => r.engine))].sort();
    assert.deepEqual(chart.datasets.map((d) => d.label).sort(), engines);

    // The other charts of the same runs are drawn too.
    const painted = await view.locator('canvas').evaluateAll((cs) => cs.map((c) => /** @type {HTMLElement} */ (c).dataset.painted));
    assert.ok(painted.length > 1 && painted.every((p) => p === 'true'), `all canvases painted: ${painted.join(', ')}`);

    // A card for every chart; the v0.4 benchmarks' charts have nothing from these runs and say
    // which benchmark fills them (pre-dump vs direct, migration downtime, checkpoint chains).
    const cards = await view.locator('section.card').evaluateAll((cs) =>
      cs.map((c) => ({ id: /** @type {HTMLElement} */ (c).dataset.chartId, state: /** @type {HTMLElement} */ (c).dataset.state, note: c.querySelector('.note')?.textContent ?? '' })),
    );
    const card = (/** @type {string} */ id) => cards.find((c) => c.id === id);
    assert.equal(card('checkpointTime')?.state, 'chart');
    for (const [id, bench] of [['predumpFrozen', 'predump'], ['migrationDowntime', 'migration'], ['chainSize', 'chain'], ['chainRestore', 'chain']]) {
      assert.equal(card(id)?.state, 'empty', `${id} has no runs to draw`);
      assert.match(card(id)?.note ?? '', new RegExp(`cryo bench ${bench}\\b`), `${id} names its benchmark`);
    }

    await wb.page.mouse.move(5, 880); // no tooltip over a chart
    await wb.screenshot('charts-runs');
    await wb.screenshot('charts-runs-checkpoint-time', view.locator('section.card', { has: canvas }));
  });
});
