/**
 * Building DOM nodes. Text is always set with `textContent`, never parsed as HTML, so message text
 * from other users can never become markup or script.
 */

/** Create `<tag>` with attributes and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** Replace everything in the app root with `node`. */
export function mount(node: Node): void {
  const root = document.getElementById('app') as HTMLElement;
  root.replaceChildren(node);
}
