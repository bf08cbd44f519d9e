#!/usr/bin/env node
// Bundles the browser UI (web/src, built on the client SDK and the protocol) into dist/web.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/web', { recursive: true });
// Two pages: the app (app.js) and the embed page served by /embed (embed.js, issue: identity).
await build({
  entryPoints: { app: 'web/src/main.ts', embed: 'web/src/embed.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  outdir: 'dist/web',
  logLevel: 'warning',
});
cpSync('web/index.html', 'dist/web/index.html');
cpSync('web/embed.html', 'dist/web/embed.html');
cpSync('web/style.css', 'dist/web/style.css');
cpSync('web/not-found.html', 'dist/web/not-found.html');
