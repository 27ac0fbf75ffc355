// Reusable benchmark building blocks: stats, host facts, memhog containers, the
// checkpoint methods compared, scenarios and their reports. No vscode here.
export * from './stats.js';
export * from './hostFacts.js';
export * from './memhog.js';
export * from './methods.js';
export * from './order.js';
export * from './engines.js';
export * from './report.js';
export * from './scenarios/index.js';
export * from './migration.js';
export * from './predump.js';
export * from './chain.js';
export * from './apps.js';
