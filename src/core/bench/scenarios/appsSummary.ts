import type { RunRecord } from '../../records.js';
import { APP_NAMES } from '../apps.js';
import { batchKey, bytes, groupBy, okCheckpoints, ratio, secs, selectRun, stat, strTag, summaryBase, x } from './summary.js';
import type { ScenarioSummary } from './types.js';

export const APPS_SCENARIO = 'apps';

/**
 * Seed 001's published figures, in seconds, by the application the seed ran. Fig. 2 gives
 * numbers in its text for ubuntu and mysql only (the other bars are read off no table), fig. 3
 * for the ubuntu container alone and with each partner.
 */
export const SEED_001 = {
  alone: { ubuntu: 0.36, mysql: 3.353 } as Readonly<Record<string, number>>,
  withOthers: { ubuntu: 2.287, mysql: 4.073 } as Readonly<Record<string, number>>,
  pairAlone: 0.351,
  withPartner: { redis: 0.538, nginx: 0.468, mongo: 0.638, mysql: 0.627 } as Readonly<Record<string, number>>,
};

const seedSecs = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));
const appOrder = (a: string, b: string) => APP_NAMES.indexOf(a as never) - APP_NAMES.indexOf(b as never);

/** Pure: the apps scenario's two tables (fig. 2 alone vs all at once, fig. 3 the subject with each partner) beside the seed. */
export function summarizeApps(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, APPS_SCENARIO, runId);
  const out = summaryBase(APPS_SCENARIO, 'Real applications: checkpoint time and image size, alone, all at once, pairwise', rs, runId);
  const ok = okCheckpoints(rs);
  const seedOf = new Map(rs.map((r) => [strTag(r, 'app'), strTag(r, 'seedApp')]));
  const mode = (m: string) => ok.filter((r) => strTag(r, 'mode') === m);

  const alone = mode('alone');
  const together = mode('with-others');
  const apps = [...new Set(rs.map((r) => strTag(r, 'app')).filter((a): a is string => a !== undefined))].sort(appOrder);
  const n = stat(together.map((r) => Number(r.tags?.['concurrency'])))?.max;
  const rows: string[][] = [];
  for (const app of apps) {
    const mine = (g: typeof ok) => g.filter((r) => strTag(r, 'app') === app);
    const a = stat(mine(alone).map((r) => r.wallMs));
    const t = stat(mine(together).map((r) => r.wallMs));
    const all = mine(ok);
    const seed = seedOf.get(app);
    const seedA = seed === undefined ? undefined : SEED_001.alone[seed];
    const seedT = seed === undefined ? undefined : SEED_001.withOthers[seed];
    const failed = rs.filter((r) => strTag(r, 'app') === app && r.outcome !== 'ok').length;
    rows.push([
      `${app} (${seed ?? '?'})`,
      bytes(stat(all.map((r) => r.memoryBytes))?.median),
      bytes(stat(all.map((r) => r.imageBytes))?.median),
      secs(a),
      secs(t),
      x(ratio(t?.median, a?.median)),
      seedA === undefined ? '–' : `${seedSecs(seedA)} → ${seedSecs(seedT)} (${x(ratio(seedT, seedA))})`,
      String(failed),
    ]);
  }
  out.tables.push({
    title: `Checkpoint time in s, median (min–max); "all at once" = the ${n ?? '?'} apps checkpointed together (seed 001 fig. 2)`,
    head: ['app (seed)', 'memory in use', 'image', 'alone', 'all at once', 'slowdown', 'seed 001: alone → with others', 'failed'],
    rows,
  });

  // A pair counts only when both dumps worked: with the partner refused at once, the subject ran alone.
  const pairBatches = groupBy(
    rs.filter((r) => strTag(r, 'mode') === 'pair'),
    batchKey,
  );
  const wholePairs = new Set([...pairBatches].filter(([, g]) => g.length === 2 && g.every((r) => r.outcome === 'ok')).map(([k]) => k));
  const inWholePair = (r: RunRecord) => wholePairs.has(batchKey(r) ?? '');
  const subjectRecs = ok.filter((r) => strTag(r, 'role') === 'subject' && inWholePair(r));
  const subjectRec = subjectRecs[0] ?? rs.find((r) => strTag(r, 'role') === 'subject');
  const subject = (subjectRec && strTag(subjectRec, 'app')) ?? '?';
  const subjectAlone = stat(alone.filter((r) => strTag(r, 'app') === subject).map((r) => r.wallMs));
  const pairRows: string[][] = [['alone', secs(subjectAlone), '1.00x', '–', seedSecs(SEED_001.pairAlone), '1.00x']];
  const byPartner = groupBy(subjectRecs, (r) => strTag(r, 'partner'));
  const partnerRecs = groupBy(
    ok.filter((r) => strTag(r, 'role') === 'partner' && inWholePair(r)),
    (r) => strTag(r, 'app'),
  );
  const partners = new Set(rs.filter((r) => strTag(r, 'role') === 'partner').map((r) => strTag(r, 'app')!));
  for (const partner of [...partners].sort(appOrder)) {
    const w = stat((byPartner.get(partner) ?? []).map((r) => r.wallMs));
    const other = stat((partnerRecs.get(partner) ?? []).map((r) => r.wallMs));
    const seed = SEED_001.withPartner[seedOf.get(partner) ?? ''];
    const failedPairs = [...pairBatches].filter(([k, g]) => !wholePairs.has(k) && g.some((r) => strTag(r, 'app') === partner)).length;
    const partnerCell = failedPairs ? `${secs(other)}; ${failedPairs} pair(s) failed` : secs(other);
    pairRows.push([`with ${partner} (${seedOf.get(partner) ?? '?'})`, secs(w), x(ratio(w?.median, subjectAlone?.median)), partnerCell, seedSecs(seed), x(ratio(seed, SEED_001.pairAlone))]);
  }
  if (partners.size) {
    out.tables.push({
      title: `The ${subject} container's checkpoint time in s, alone and checkpointed together with one other (seed 001 fig. 3)`,
      head: [`${subject} checkpointed`, subject, 'vs alone', 'partner', 'seed 001 (s)', 'seed vs alone'],
      rows: pairRows,
    });
  }
  out.notes.push(
    'Seed 001 (Docker path, CRIU 3.15, SATA SSD): ubuntu 0.36 s alone → 2.287 s with the others, mysql 3.353 → 4.073 s; ubuntu alone 0.351 s, with redis 0.538, nginx 0.468, mongo 0.638, mysql 0.627 s.',
    'Stand-ins (cryo-apps, Debian bookworm packages): an idle bash on the Debian base for ubuntu, postgresql for mongo, mariadb for mysql; each serving on its loopback (redis and nginx with their in-container clients running), checkpointed with leave-running and the CRIU options it needs (redis, nginx: established TCP; mariadb: file locks).',
  );
  return out;
}
