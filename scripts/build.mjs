// Bundles the extension (CJS for VS Code's extension host) and the headless CLI (ESM).
// The webview has its own browser bundle (webview/build.mjs) once it exists.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // docker-modem's ssh transport pulls in ssh2 with native add-ons; Cryo uses the system
  // OpenSSH client instead, so that code path is never taken.
  external: ['vscode', 'ssh2', 'cpu-features'],
};

const builds = [
  esbuild.build({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.cjs',
    format: 'cjs',
    // execa reads import.meta.url; give the CJS bundle a real value for it.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  }),
];
if (existsSync('src/cli/main.ts')) {
  builds.push(esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.mjs', format: 'esm', banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" } }));
}
if (existsSync('test/suite/index.ts')) {
  // The extension-host suite: mocha stays external (resolved from node_modules at run time).
  for (const name of ['index', 'tests']) {
    builds.push(esbuild.build({ ...common, external: [...common.external, 'mocha'], entryPoints: [`test/suite/${name}.ts`], outfile: `dist/test/suite/${name}.cjs`, format: 'cjs' }));
  }
}
if (existsSync('webview/build.mjs')) {
  builds.push(import('../webview/build.mjs').then((m) => m.buildWebview({ production })));
}
await Promise.all(builds);
