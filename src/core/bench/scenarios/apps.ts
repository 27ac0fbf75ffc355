import type { DockerHost } from '../../host/dockerHost.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { APP_NAMES, APPS, APPS_IMAGE, isAppName, type AppName } from '../apps.js';
import { rotate } from '../order.js';
import { APPS_SCENARIO, summarizeApps } from './appsSummary.js';
import { BarrierScheduler } from './barrier.js';
import { ScenarioParamError } from './params.js';
import { BenchSession, settledAll } from './session.js';
import { brief } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface AppsParams extends CommonParams {
  apps: AppName[];
  /** The small container of the pairwise run (seed 001 fig. 3: ubuntu). */
  subject: AppName;
  image: string;
}

/**
 * Seed 001 fig. 2 and 3 with real applications: one container per app (cryo-apps, each
 * serving on its loopback), checkpointed with leave-running and the CRIU options it needs.
 * Every repetition runs three parts, in an order that turns with the repetition so a
 * drifting host load favours none: each app alone (rotated order), all of them at once
 * (released together by a BarrierScheduler), and the subject together with each other app.
 * Tags: app, seedApp, mode (alone | with-others | pair), concurrency, rep, batch; pairs add
 * role (subject | partner) and partner (the other app).
 */
export async function runApps(host: DockerHost, p: AppsParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, APPS_SCENARIO, p, appsSteps(p), opts);
  try {
    await s.withScheduler(new Scheduler({ policy: 'unlimited', concurrency: 1 }), async () => {
      const ids = new Map<AppName, string>();
      for (const app of p.apps) {
        s.progress(`starting ${app}`);
        ids.set(app, await s.startApp(app, APPS[app], p.image));
      }
      const checkpoint = (app: AppName, name: string, tags: Record<string, string | number>, warmup: boolean) =>
        s.checkpoint(ids.get(app)!, name, { app, seedApp: APPS[app].seedName, ...tags }, { warmup, criu: APPS[app].criu });
      /** Checkpoints the apps at once (one barrier), then deletes what they wrote. */
      const atOnce = async (apps: readonly AppName[], name: string, tagsFor: (app: AppName) => Record<string, string | number>, warmup: boolean) => {
        if (!warmup) await s.settle();
        const recs = await s.withScheduler(new BarrierScheduler({ policy: 'unlimited', concurrency: 1 }, apps.length), () => settledAll(apps.map((app) => checkpoint(app, name, tagsFor(app), warmup))));
        for (const app of apps) await s.discard(ids.get(app)!, name);
        return recs;
      };
      const parts = {
        alone: async (rep: number, warmup: boolean) => {
          for (const app of rotate(p.apps, rep)) {
            const name = `${warmup ? 'w' : 'a'}${rep}-alone`;
            const [r] = await atOnce([app], name, () => ({ rep, mode: 'alone', concurrency: 1 }), warmup);
            s.progress(`${app} alone: ${brief(r!)}`, warmup ? 0 : 1);
          }
        },
        together: async (rep: number, warmup: boolean) => {
          const name = `${warmup ? 'w' : 'a'}${rep}-others`;
          const recs = await atOnce(p.apps, name, () => ({ rep, mode: 'with-others', concurrency: p.apps.length, batch: name }), warmup);
          s.progress(`all ${p.apps.length} at once: ${recs.map((r, i) => `${p.apps[i]} ${brief(r)}`).join(', ')}`, warmup ? 0 : p.apps.length);
        },
        pairs: async (rep: number, warmup: boolean) => {
          for (const partner of rotate(partnersOf(p), rep)) {
            const name = `${warmup ? 'w' : 'a'}${rep}-with-${partner}`;
            const pair = { rep, mode: 'pair', concurrency: 2, batch: name };
            const [a, b] = await atOnce([p.subject, partner], name, (app) => ({ ...pair, role: app === p.subject ? 'subject' : 'partner', partner: app === p.subject ? partner : p.subject }), warmup);
            s.progress(`${p.subject} with ${partner}: ${brief(a!)} (${partner} ${brief(b!)})`, warmup ? 0 : 2);
          }
        },
      };
      const order = [parts.alone, parts.together, parts.pairs];
      for (let w = 1; w <= p.warmup; w++) {
        s.progress(`warm-up ${w}`);
        for (const part of order) await part(w, true);
      }
      for (let rep = 1; rep <= p.reps; rep++) for (const part of rotate(order, rep)) await part(rep, false);
    });
  } finally {
    await s.close();
  }
  return summarizeApps(s.records, s.runId);
}

function partnersOf(p: Pick<AppsParams, 'apps' | 'subject'>): AppName[] {
  return p.apps.filter((a) => a !== p.subject);
}

export function appsSteps(p: Pick<AppsParams, 'apps' | 'subject' | 'reps'>): number {
  return p.reps * (2 * p.apps.length + 2 * partnersOf(p).length);
}

export function parseAppList(flag: string, text: string): AppName[] {
  const xs = text.split(',').map((t) => t.trim());
  const bad = xs.filter((x) => !isAppName(x));
  if (!xs.length || bad.length) throw new ScenarioParamError(`--${flag} "${text}": use some of ${APP_NAMES.join(', ')} separated by commas.`);
  if (new Set(xs).size !== xs.length) throw new ScenarioParamError(`--${flag} "${text}": an app is listed twice.`);
  return xs as AppName[];
}

export function parseApps(f: Readonly<Record<string, string>>, common: CommonParams): AppsParams {
  const apps = parseAppList('apps', f['apps'] ?? APP_NAMES.join(','));
  const subject = f['subject'] ?? 'base';
  if (!isAppName(subject) || !apps.includes(subject)) throw new ScenarioParamError(`--subject "${subject}": use one of the apps run (${apps.join(', ')}).`);
  const image = (f['image'] ?? APPS_IMAGE).trim();
  if (!/^[a-z0-9][\w.\-/:@]*$/i.test(image)) throw new ScenarioParamError(`--image "${image}": use an image reference such as ${APPS_IMAGE}.`);
  return { ...common, apps, subject, image };
}

export const appsScenario: ScenarioDef<AppsParams> = {
  name: APPS_SCENARIO,
  title: 'Apps: real applications alone, all at once, and pairwise',
  reproduces: 'seed 001 fig. 2/3',
  flags: [
    { name: 'apps', value: APP_NAMES.join(','), describe: 'applications of cryo-apps to run (default: all five)' },
    { name: 'subject', value: 'APP', describe: 'the container checkpointed with each other one (default base)' },
    { name: 'image', value: 'REF', describe: `application image (default ${APPS_IMAGE}, built by scripts/provision)` },
  ],
  presets: { quick: { apps: 'base,redis,mariadb', reps: '1', warmup: '0' }, full: { reps: '3', warmup: '1' } },
  parse: parseApps,
  steps: appsSteps,
  describe: (p) => `${p.apps.join(', ')} alone, all at once, and ${p.subject} with each; ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine, leave-running`,
  run: runApps,
  summarize: summarizeApps,
};
