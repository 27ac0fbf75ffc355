/** Colours and font the charts take from VS Code's theme variables, so they follow light, dark and high contrast. */
export interface Theme {
  foreground: string;
  /** Behind the plot, so an exported PNG reads like the editor it came from. */
  background: string;
  muted: string;
  grid: string;
  font: string;
  fontSize: number;
  palette: Record<'blue' | 'orange' | 'green' | 'red' | 'purple' | 'yellow', string>;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  const s = getComputedStyle(document.documentElement);
  const foreground = cssVar(s, '--vscode-charts-foreground', cssVar(s, '--vscode-foreground', '#cccccc'));
  return {
    foreground,
    background: cssVar(s, '--vscode-editor-background', '#1e1e1e'),
    muted: cssVar(s, '--vscode-descriptionForeground', foreground),
    grid: cssVar(s, '--vscode-charts-lines', withAlpha(foreground, 0.15)),
    font: cssVar(s, '--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(cssVar(s, '--vscode-font-size', '13px')) || 13,
    palette: {
      blue: cssVar(s, '--vscode-charts-blue', '#3794ff'),
      orange: cssVar(s, '--vscode-charts-orange', '#d18616'),
      green: cssVar(s, '--vscode-charts-green', '#89d185'),
      red: cssVar(s, '--vscode-charts-red', '#f14c4c'),
      purple: cssVar(s, '--vscode-charts-purple', '#b180d7'),
      yellow: cssVar(s, '--vscode-charts-yellow', '#cca700'),
    },
  };
}

const FIXED: Record<string, keyof Theme['palette']> = {
  docker: 'blue',
  runc: 'orange',
  unknown: 'purple',
  restore: 'green',
  alone: 'green',
  concurrent: 'red',
  freezing: 'yellow',
  'memdump - memwrite': 'blue',
  memwrite: 'purple',
  'other frozen': 'green',
  // Methods: the baseline blue, the method that tries to beat it orange (pre-dump and migration charts).
  direct: 'blue',
  predump: 'orange',
  'predump-phaul': 'red',
  stopcopy: 'blue',
  precopy: 'orange',
};
const CYCLE: (keyof Theme['palette'])[] = ['blue', 'orange', 'green', 'red', 'purple', 'yellow'];

/** A stable colour per series key: known keys keep their meaning across charts, others hash into the palette. */
export function colorFor(theme: Theme, key: string): string {
  const fixed = FIXED[key];
  if (fixed) return theme.palette[fixed];
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return theme.palette[CYCLE[Math.abs(h) % CYCLE.length]!];
}

/** `color` with opacity `a`, for #rgb, #rrggbb(aa) and rgb(a)(); other forms are returned unchanged. */
export function withAlpha(color: string, a: number): string {
  const c = color.trim();
  let m = /^#([0-9a-f]{3,4})$/i.exec(c);
  if (m) {
    const [r, g, b] = [...m[1]!].map((d) => parseInt(d + d, 16));
    return `rgba(${r}, ${g}, ${b}, ${a})`;
  }
  m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(c);
  if (m) {
    const n = parseInt(m[1]!, 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  if (m) return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${a})`;
  return c;
}
