/**
 * Keeps the page clean under Parley's CSP (`default-src 'self'`, so no `unsafe-eval`).
 *
 * The SDK shares the protocol module, whose Zod schemas are built when it loads. Building an object
 * schema makes Zod probe `new Function` once; the CSP blocks the probe, Zod catches that and goes
 * on, but the browser still reports a CSP violation. Switching Zod to `jitless` first skips the
 * probe. This module must therefore be the first import of `main.ts`.
 */
import { config } from 'zod';

config({ jitless: true });
