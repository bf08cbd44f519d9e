#!/usr/bin/env node
// Builds @parley/client for integrators (issue 12) into client/dist: ESM for bundlers and Node
// (index.js, react/index.js, and the chunks they share, so both entry points share one ParleyError)
// and type declarations (types/, by tsc). React and zod stay imports: peer and regular dependencies.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', 'react/index': 'src/react/index.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['react', 'zod'],
  sourcemap: true,
  outdir: dist,
  logLevel: 'warning',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
