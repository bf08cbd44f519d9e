/**
 * axe-core scans for browser tests (issue 12): the serious and critical violations of a page or a
 * frame, one readable line each. axe is injected as a script tag, so the context must bypass the
 * page's CSP (`bypassCSP: true`); nothing else about the page changes.
 */
import { createRequire } from 'node:module';
import type { Frame, Page } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** The serious and critical axe violations of `target`'s document (WCAG AA contrast, names, landmarks, ARIA). */
export async function violations(target: Page | Frame): Promise<string[]> {
  await target.addScriptTag({ path: AXE });
  const found = await target.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
