#!/usr/bin/env node
// Bundles the browser UI (web/src, built on the client SDK and the protocol) into dist/web.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web', { recursive: true });
await build({
  entryPoints: ['web/src/main.ts'],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  outfile: 'dist/web/app.js',
  logLevel: 'warning',
});
cpSync('web/index.html', 'dist/web/index.html');
cpSync('web/style.css', 'dist/web/style.css');
