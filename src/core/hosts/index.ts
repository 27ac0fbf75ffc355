export * from './sources.js';
export { discoverHosts, readContextMetas, canonicalSocket } from './discover.js';
export { hostFromSpec, sameHost, NoCommandsRunner } from './factory.js';
