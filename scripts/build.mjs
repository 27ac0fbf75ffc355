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
  external: ['vscode'],
  plugins: [noSsh2()],
};

/**
 * docker-modem requires ssh2 (with native add-ons) at load time for its own ssh transport.
 * Cryo talks ssh through the system OpenSSH client instead, so ssh2 is replaced by a stub
 * that fails loudly if anything ever reaches it; the .vsix then needs no node_modules.
 */
function noSsh2() {
  return {
    name: 'no-ssh2',
    setup(build) {
      build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'cryo-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'cryo-stub' }, () => ({
        contents: "class Client { constructor() { throw new Error('ssh2 is not bundled: Cryo uses the system ssh client'); } }\nmodule.exports = { Client };",
        loader: 'js',
      }));
    },
  };
}

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
