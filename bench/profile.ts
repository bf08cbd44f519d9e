/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per module,
 * optionally restricted to a time window. Sample timestamps in a profile are microseconds of the
 * same monotonic clock as `process.hrtime` (both read CLOCK_MONOTONIC on Linux), so the orchestrator
 * can cut the profile to exactly the measured phase.
 *
 * CLI: `node --import tsx bench/profile.ts FILE.cpuprofile [--top N]` prints the whole-profile summary.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { ROOT } from './targets.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of a summary: a function (or a module) and its self time. */
export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
  /** Share of all non-idle samples in the window, in %. */
  readonly pct: number;
}

export interface ProfileSummary {
  /** Non-idle sampled time in the window, ms. */
  readonly busyMs: number;
  /** Idle time in the window, ms (the event loop waiting). */
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  readonly modules: readonly SelfTime[];
}

/** Where a function lives, shortened: `src/core/fanout.ts:97`, `ws/lib/sender.js:410`, `node:net`. */
function location(frame: CallFrame): string {
  let url = frame.url;
  if (url === '') return '';
  if (url.startsWith('file://')) url = fileURLToPath(url);
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) url = url.slice(nm + 'node_modules/'.length);
  else if (url.startsWith('/')) url = relative(ROOT, url);
  return `${url}:${frame.lineNumber + 1}`;
}

/** The module a function belongs to: an npm package, a Parley folder, or a Node built-in. */
function moduleOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  const path = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * Self time per function and per module over `[fromUs, toUs]` (profile clock, µs; whole profile when
 * omitted), the `top` largest of each.
 */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window !== undefined && (t < window.fromUs || t > window.toUs)) continue;
    // A sample's interval is the delta that follows it; using the preceding delta is the usual approximation.
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = location(frame);
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where === '' ? '' : ` ${where}`}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const mod = moduleOf(frame);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const rank = (map: Map<string, number>): SelfTime[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, pct: busyUs === 0 ? 0 : (us / busyUs) * 100 }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions: rank(functions), modules: rank(modules) };
}

/** The summary as text tables. */
export function formatProfile(summary: ProfileSummary): string {
  const lines = [`busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms`, '', 'self ms    %  module'];
  for (const row of summary.modules) lines.push(`${row.selfMs.toFixed(0).padStart(7)} ${row.pct.toFixed(1).padStart(5)}  ${row.name}`);
  lines.push('', 'self ms    %  function');
  for (const row of summary.functions) lines.push(`${row.selfMs.toFixed(0).padStart(7)} ${row.pct.toFixed(1).padStart(5)}  ${row.name}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: node --import tsx bench/profile.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 25;
  console.log(formatProfile(summarizeProfile(file, undefined, top)));
}
