#!/usr/bin/env node
// Builds the React chat example and serves it on http://localhost:5173 (PORT to change it).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
execFileSync(process.execPath, [join(here, 'build.js'), dist], { stdio: 'inherit' });
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.map': 'application/json' };
const port = Number(process.env.PORT ?? 5173);
createServer(async (req, res) => {
  const path = normalize(new URL(req.url ?? '/', 'http://localhost').pathname).replace(/^(\.\.[/\\])+/, '');
  const file = join(dist, path === '/' ? 'index.html' : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}).listen(port, 'localhost', () => console.log(`React chat example: http://localhost:${port}/?server=http://localhost:3000&room=ROOM&code=CODE&name=Ada`));
