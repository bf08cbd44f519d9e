#!/usr/bin/env node
// Runs every `*.test.ts` under test/ (or the files/folders given) with Node's built-in test runner
// and tsx, listing the files itself so that the order is the same on every Node line.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test'];
const files = roots.flatMap((root) => collect(root, [])).map((f) => relative(process.cwd(), f));
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...files], {
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
