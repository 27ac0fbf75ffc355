// Paint benchmark for the charts webview: serves the real page (same HTML and CSP as the panel)
// with the built bundle, sends it N synthetic run records the way the extension does, and times
// "records message received" -> "every chart canvas painted" in headless Chromium.
//
//   node scripts/bench/webview-paint.mjs [--records 5000] [--runs 5] [--budget 500] [--dev] [--no-build] [--profile]
//
// --profile prints where the first run's time went (CPU profile, self time; use with --dev for names).
// Exits 1 when the median paint time is over budget, a CSP violation or page error shows up, or
// the charts did not draw the records they were sent. Screenshots go to artifacts/screenshots/.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : dflt;
};
const COUNT = opt('records', 5000);
const RUNS = opt('runs', 5);
const BUDGET = opt('budget', 500);
const production = !args.includes('--dev');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---- playwright-core: the e2e harness's copy if provisioned, else the project's own ----
function loadPlaywright() {
  const harness = join(root, 'test/e2e/harness/node_modules/playwright-core');
  const require = createRequire(import.meta.url);
  if (existsSync(harness)) return require(harness);
  try {
    return require('playwright-core');
  } catch {
    throw new Error('playwright-core not found: run scripts/provision/code-server.sh (test/e2e/harness) or npm i -D playwright-core');
  }
}
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: apt-get install -y chromium (or set CHROMIUM)`);

// ---- the page, built exactly as the panel builds it ----
if (!args.includes('--no-build')) {
  const { buildWebview } = await import(pathToFileURL(join(root, 'webview/build.mjs')).href);
  await buildWebview({ production });
}
const htmlModule = await esbuild.build({ entryPoints: [join(root, 'src/extension/webview/html.ts')], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'warning' });
const { chartsHtml, newNonce } = await import(`data:text/javascript;base64,${Buffer.from(htmlModule.outputFiles[0].text).toString('base64')}`);

// VS Code puts its theme on <html> as CSS variables; these are Dark Modern's and Light Modern's.
// The same VS Code theme variables `cryo report` uses.
const THEMES = JSON.parse(readFileSync(new URL('../../src/shared/themeVars.json', import.meta.url), 'utf8'));


function page(origin, theme) {
  const nonce = newNonce();
  const t = THEMES[theme];
  const vars = Object.entries(t.vars).map(([k, v]) => `${k}: ${v};`).join(' ');
  return chartsHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview/charts.js`, styleUri: `${origin}/dist/webview/charts.css` })
    .replace('</head>', `<style nonce="${nonce}">html { ${vars} }</style>\n</head>`)
    .replace('<body>', `<body class="${t.bodyClass}">`);
}

// ---- synthetic runs: two engines, two hosts, scenarios with the tags benchmarks write ----
function synthetic(n) {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const start = Date.parse('2026-11-01T08:00:00Z');
  const out = [];
  for (let i = 0; i < n; i++) {
    const startedAt = new Date(start + i * 47_000).toISOString();
    const host = rand() < 0.7 ? 'local' : 'host-b';
    const engine = rand() < 0.5 ? 'runc' : 'docker';
    const rep = i % 5;
    const v04 = i % 25;
    if (v04 === 24) {
      const method = rand() < 0.5 ? 'stopcopy' : 'precopy';
      const sizeMb = [16, 128, 256][i % 3];
      const downtimeMs = sizeMb * (method === 'precopy' ? 500 : 400) * (0.8 + rand() * 0.4);
      out.push({ kind: 'migration', id: `m${i}`, host: 'vm', source: 'vm', target: 'vm-b', container: `memhog-${i % 4}`, startedAt, phasesMs: { checkpoint: 2000, filesystem: 2000, transfer: 800, restore: downtimeMs - 4800 }, bytes: { image: 0, filesystem: 2048, checkpoint: 110000 }, downtimeMs, totalMs: downtimeMs + 3000, outcome: 'ok', warnings: [], engine: 'runc', tags: { scenario: 'migration', route: 'vm->vm-b', sizeMb, dirtyPct: 5, method, rep } });
      continue;
    }
    if (v04 === 23 || v04 === 22) {
      const chainLength = i % 17;
      const tags = { scenario: 'chain', sizeMb: 32, dirtyPct: 5, rep, chainLength, method: chainLength ? 'predump' : 'direct' };
      if (v04 === 23) out.push({ kind: 'restore', id: `r${i}`, host: 'vm', container: 'chain', containerId: 'ch', checkpointName: `chain-${chainLength}`, startedAt, wallMs: 11000 + chainLength * 300 + rand() * 2000, outcome: 'ok', tags: { ...tags, engine: 'runc' } });
      else out.push({ kind: 'checkpoint', id: `c${i}`, host: 'vm', container: 'chain', containerId: 'ch', image: 'cryo-memhog:latest', engine: 'runc', options: { leaveRunning: false, preDump: chainLength > 0 }, checkpointName: `chain-${chainLength}`, startedAt, wallMs: 1800 + chainLength * 900, imageBytes: (32 + chainLength * 1.4) * 1048576, outcome: 'ok', tags });
      continue;
    }
    if (v04 === 21) {
      const method = ['direct', 'predump', 'predump-phaul'][i % 3];
      const sizeMb = [16, 128, 256][(i >> 2) % 3];
      const dirtyPct = [0, 5, 50][(i >> 3) % 3];
      const frozenUs = (method === 'direct' ? 1000 + sizeMb * 6 : 900 + sizeMb * dirtyPct * 0.2) * 1000 * (0.8 + rand() * 0.4);
      out.push({ kind: 'checkpoint', id: `c${i}`, host: 'vm', container: `predump-${sizeMb}`, containerId: 'pd', image: 'cryo-memhog:latest', engine: 'runc', options: { leaveRunning: true, preDump: method !== 'direct' }, checkpointName: `bench-${method}`, startedAt, wallMs: frozenUs / 700, imageBytes: sizeMb * 1048576, outcome: 'ok', criu: { freezingTimeUs: 20000, frozenTimeUs: frozenUs, memdumpTimeUs: frozenUs * 0.4, memwriteTimeUs: frozenUs * 0.3, pagesScanned: sizeMb * 256, pagesSkippedParent: 0, pagesWritten: sizeMb * 256 }, tags: { scenario: 'predump', sizeMb, dirtyPct, method, rep } });
      continue;
    }
    if (i % 6 === 5) {
      out.push({ kind: 'restore', id: `r${i}`, host, container: `memhog-${i % 4}`, containerId: `c${i % 4}`, checkpointName: `cp${i - 1}`, startedAt, wallMs: 180 + rand() * 400, outcome: rand() < 0.03 ? 'failed' : 'ok', tags: { engine, rep } });
      continue;
    }
    const kind = i % 3;
    const sizeMb = [64, 256, 1024][i % 3];
    const concurrency = [1, 2, 4, 8, 16][i % 5];
    const processes = [1, 10, 50, 100, 500][(i >> 1) % 5];
    const tags =
      kind === 0
        ? { scenario: `memhog-${sizeMb}`, sizeMb, rep }
        : kind === 1
          ? { scenario: 'nway', concurrency, rep }
          : { scenario: 'forker', processes, rep };
    const imageBytes = (sizeMb * (0.9 + rand() * 0.2) + (kind === 2 ? processes * 0.4 : 0)) * 1048576;
    const base = engine === 'runc' ? 120 : 900;
    const wallMs = base + imageBytes / 1048576 * (engine === 'runc' ? 1.6 : 2.2) * (kind === 1 ? 1 + (concurrency - 1) * 0.35 : 1) + (kind === 2 ? processes * 3 : 0) + rand() * 150;
    const frozenUs = wallMs * 1000 * 0.7;
    const record = {
      kind: 'checkpoint',
      id: `c${i}`,
      host,
      container: kind === 1 ? `counter-${i % 3}` : kind === 0 ? `memhog-${i % 4}` : 'forker',
      containerId: `id${i % 7}`,
      image: kind === 0 ? 'cryo-memhog:latest' : kind === 1 ? 'cryo-counter:latest' : 'cryo-forker:latest',
      engine,
      options: { leaveRunning: false, preDump: false },
      checkpointName: `cp${i}`,
      startedAt,
      wallMs,
      imageBytes,
      outcome: rand() < 0.02 ? 'failed' : 'ok',
      tags,
    };
    if (engine === 'runc') record.criu = { freezingTimeUs: 800 + rand() * 3000, frozenTimeUs: frozenUs, memdumpTimeUs: frozenUs * 0.45, memwriteTimeUs: frozenUs * 0.35, pagesScanned: imageBytes / 4096, pagesSkippedParent: 0, pagesWritten: imageBytes / 4096 };
    out.push(record);
  }
  return out;
}

// ---- static server: the page and dist/webview only ----
const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
let theme = 'dark';
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const origin = `http://${req.headers.host}`;
  if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(origin, theme));
    return;
  }
  const file = normalize(join(root, url.pathname));
  if (!file.startsWith(join(root, 'dist/webview'))) return void res.writeHead(404).end();
  try {
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

const { chromium } = loadPlaywright();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const problems = [];
const records = synthetic(COUNT);
const okCheckpoints = records.filter((r) => r.kind === 'checkpoint' && r.outcome === 'ok').length;

async function openPage(width = 1400, height = 1000) {
  const p = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  await p.addInitScript(() => {
    window.__posted = [];
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    let state;
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => state, setState: (s) => (state = s) });
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('console', (m) => (m.type() === 'error' ? problems.push(`console: ${m.text()}`) : process.env.BENCH_DEBUG && console.log(m.text())));
  await p.goto(base);
  await p.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  return p;
}

/** Sends the records message and times it in the page: handler, all canvases painted, next frame. */
async function paint(p, recs, profile = false) {
  const cdp = profile ? await p.context().newCDPSession(p) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const result = await p.evaluate(async (recs) => {
    const painted = () => {
      const canvases = [...document.querySelectorAll('canvas')];
      return canvases.length > 0 && canvases.every((c) => c.dataset.painted === 'true');
    };
    const frames = [];
    const loaf = new PerformanceObserver((l) => frames.push(...l.getEntries()));
    loaf.observe({ type: 'long-animation-frame' });
    const t0 = performance.now();
    window.postMessage({ type: 'records', records: recs }, '*');
    while (!painted()) await new Promise((r) => setTimeout(r, 0));
    const tPainted = performance.now();
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const tFrame = performance.now();
    await new Promise((r) => setTimeout(r, 50));
    loaf.disconnect();
    window.__frames = frames.filter((f) => f.startTime >= t0 - 1).map((f) => ({ start: Math.round(f.startTime - t0), dur: Math.round(f.duration), render: Math.round(f.renderStart - t0), styleLayout: Math.round(f.styleAndLayoutStart - t0), blocking: Math.round(f.blockingDuration), scripts: f.scripts.map((s) => `${s.invoker} ${Math.round(s.duration)}ms`) }));
    console.log(JSON.stringify(window.__frames));
    const measure = performance.getEntriesByName('cryo:paint').at(-1);
    const at = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? NaN;
    const phases = ['cryo:message', 'cryo:records-received', 'cryo:filtered', 'cryo:series', 'cryo:rendered'].map(at);
    const perChart = Object.fromEntries(performance.getEntriesByType('measure').filter((m) => m.name.startsWith('cryo:chart:')).map((m) => [m.name.slice(11), Math.round(m.duration)]));
    return {
      perChart,
      phases: { deliver: phases[0] - t0, validate: phases[1] - phases[0], filter: phases[2] - phases[1], series: phases[3] - phases[2], charts: phases[4] - phases[3] },
      receivedToPaintedMs: tPainted - phases[0],
      handlerMs: measure?.duration ?? NaN,
      paintedMs: tPainted - t0,
      frameMs: tFrame - t0,
      canvases: document.querySelectorAll('canvas').length,
    };
  }, recs);
  if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
  return result;
}

function printProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  console.log('CPU self time, first run:');
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(us / 1000).toFixed(1).padStart(6)} ms  ${k}`);
}

const results = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const p = await openPage();
    results.push(await paint(p, records, i === 0 && args.includes('--profile')));
    if (i === RUNS - 1) {
      const check = await p.evaluate(() => ({ summary: window.__cryoCharts, csp: window.__csp }));
      const drawn = check.summary.checkpointTime.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null).length, 0);
      if (drawn !== okCheckpoints) problems.push(`checkpointTime drew ${drawn} points, expected ${okCheckpoints}`);
      for (const [id, s] of Object.entries(check.summary)) if (s.datasets.length === 0) problems.push(`chart ${id} is empty`);
      problems.push(...check.csp.map((v) => `CSP violation: ${v}`));
      await mkdir(join(root, 'artifacts/screenshots'), { recursive: true });
      await p.screenshot({ path: join(root, 'artifacts/screenshots/charts-synthetic.png'), fullPage: true });
      // The runs table, for a look at it too.
      await p.click('vscode-tab-header:nth-of-type(2)');
      await p.waitForSelector('table.runs tbody tr');
      await p.screenshot({ path: join(root, 'artifacts/screenshots/charts-table.png') });
    }
    await p.close();
  }
  // Light theme and the empty state (no runs), screenshots only.
  theme = 'light';
  const light = await openPage();
  await paint(light, records.slice(0, 300));
  await light.screenshot({ path: join(root, 'artifacts/screenshots/charts-synthetic-light.png'), fullPage: true });
  await light.close();
  theme = 'dark';
  const empty = await openPage(1000, 700);
  await empty.evaluate(() => window.postMessage({ type: 'records', records: [] }, '*'));
  await empty.waitForFunction(() => document.querySelectorAll('.card[data-state="empty"]').length === document.querySelectorAll('.card').length);
  await empty.screenshot({ path: join(root, 'artifacts/screenshots/charts-empty.png') });
  await empty.close();
} finally {
  await browser.close();
  server.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x) => x.toFixed(0).padStart(6);
console.log(`charts webview, ${COUNT} records (${okCheckpoints} ok checkpoints), ${production ? 'production' : 'dev'} bundle, ${RUNS} cold page loads`);
console.log('      received->painted  posted->painted  posted->next frame   [phases, ms]');
results.forEach((r, i) =>
  console.log(`run ${i + 1} ${f(r.receivedToPaintedMs)}           ${f(r.paintedMs)}           ${f(r.frameMs)}        [${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}]`),
);
console.log(`per chart, last run (ms): ${Object.entries(results.at(-1).perChart).map(([k, v]) => `${k} ${v}`).join(', ')}`);
const m = median(results.map((r) => r.receivedToPaintedMs));
console.log(`median: message received -> all ${results[0].canvases} canvases painted ${m.toFixed(0)} ms (budget ${BUDGET} ms); including postMessage delivery ${median(results.map((r) => r.paintedMs)).toFixed(0)} ms, next frame ${median(results.map((r) => r.frameMs)).toFixed(0)} ms`);
for (const p of problems) console.log(`PROBLEM ${p}`);
process.exitCode = m > BUDGET || problems.length ? 1 : 0;
