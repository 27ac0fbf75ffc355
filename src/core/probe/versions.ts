/** "Version 4.1.1" / "4.1.1" / "3.17.1 (gitid ...)" -> numeric compare on the dotted part. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => (v.match(/\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
