#!/usr/bin/env node
// Bundles the React chat example (examples/react-chat/src/main.tsx) with esbuild into
// examples/react-chat/dist (or the folder given as the first argument): app.js and index.html.
// @parley/client resolves to the SDK's sources in this repo; an app that installed the package
// needs no alias.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, 'dist'));
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  bundle: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  minify: true,
  sourcemap: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: { '@parley/client/react': join(here, '../../client/src/react/index.ts'), '@parley/client': join(here, '../../client/src/index.ts') },
  outdir,
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
