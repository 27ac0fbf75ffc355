// The charts webview's browser bundle: one IIFE script and one stylesheet in dist/webview/,
// the only folder the panel lets the webview load from (localResourceRoots).
import * as esbuild from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** @param {{production?: boolean}} options */
export async function buildWebview({ production = false } = {}) {
  // Start clean: a production build must not ship a dev build's source maps.
  await rm(join(root, 'dist/webview'), { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [
      { in: join(here, 'src/main.ts'), out: 'charts' },
      { in: join(here, 'src/charts.css'), out: 'charts' },
    ],
    outdir: join(root, 'dist/webview'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    // VS Code 1.100's webviews run Electron 34's Chromium.
    target: ['chrome120'],
    sourcemap: !production,
    minify: production,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWebview({ production: process.argv.includes('--production') });
}
