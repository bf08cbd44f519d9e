/**
 * Building DOM nodes without ever parsing HTML: text goes in through `textContent` (or text
 * nodes), so message bodies and names from other users can never become markup or script.
 */

/** A child of {@link el}: a node, or a string that becomes plain text. */
type Child = Node | string;

/**
 * Create `<tag>` with attributes and children. A single string child is set as `textContent`;
 * strings among other children become text nodes. Neither is ever parsed as HTML.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  const [only] = children;
  if (children.length === 1 && typeof only === 'string') node.textContent = only;
  else node.append(...children.map((child) => (typeof child === 'string' ? document.createTextNode(child) : child)));
  return node;
}

/** Replace everything in the app root with `node`. */
export function mount(node: Node): void {
  (document.getElementById('app') as HTMLElement).replaceChildren(node);
}
