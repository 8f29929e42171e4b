export * from './argv.js';
export * from './checkpoint-store.js';
export * from './cli-runtime.js';
export * from './errors.js';
export * from './process-runner.js';
export * from './profiles.js';
export * from './resolve.js';
export type * from './runtime.js';
export * from './schemas.js';
