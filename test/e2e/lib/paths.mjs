// Fixed locations the e2e harness works with, all derived from this file's place in the repo.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (test/e2e/lib/../../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The harness package that holds code-server and playwright-core. */
export const harnessDir = path.join(repoRoot, 'test/e2e/harness');
export const codeServerBin = path.join(harnessDir, 'node_modules/.bin/code-server');
/** Where screenshots land (CI keeps artifacts/). */
export const screenshotDir = path.join(repoRoot, 'artifacts/screenshots');
/** The packaged extension the root package's `npm run package` makes. */
export const defaultVsix = path.join(repoRoot, 'cryo.vsix');
