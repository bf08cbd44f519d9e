/** Parley's public server API: build a node from a validated configuration. */
export { createServer, type ParleyServer, type CreateServerOptions } from './server.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
