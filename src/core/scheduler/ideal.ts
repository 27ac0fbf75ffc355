/**
 * What the best possible policy could reach for a burst, under a simple model of the host:
 * each checkpoint needs one core for as long as it takes alone, and no checkpoint runs
 * faster than alone. Shortest-first onto the first free core is optimal for the mean
 * completion time on identical cores (P||ΣCj; preemption does not help either), so this
 * bounds what any ordering and concurrency limit can do for the mean. The benchmark prints
 * it beside the goals: when the bound itself is above a goal, no scheduler meets it here.
 */
export interface IdealBurst {
  meanMs: number;
  makespanMs: number;
}

export function idealBurst(aloneMs: readonly number[], cores: number): IdealBurst | undefined {
  if (!aloneMs.length || !(cores >= 1) || aloneMs.some((t) => !(t >= 0))) return undefined;
  const free = new Array<number>(Math.floor(cores)).fill(0);
  const done: number[] = [];
  for (const t of [...aloneMs].sort((a, b) => a - b)) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += t;
    done.push(free[i]!);
  }
  return { meanMs: done.reduce((s, d) => s + d, 0) / done.length, makespanMs: Math.max(...done) };
}
