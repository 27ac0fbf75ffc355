import Mocha from 'mocha';
import { join } from 'node:path';

/**
 * Entry point for extensionTestsPath: VS Code calls run() inside the extension host.
 * The tests themselves are a separate bundle (tests.cjs) so @vscode/test-cli can load
 * the same file directly.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  mocha.addFile(join(__dirname, 'tests.cjs'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
