// For people with desktop VS Code: `npx @vscode/test-cli` runs the same extension-host
// suite that CI runs inside code-server (test/e2e/run-extension-host-tests.mjs).
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'dist/test/suite/tests.cjs',
  mocha: { ui: 'tdd', timeout: 120000 },
});
