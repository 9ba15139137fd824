// DOM building without HTML parsing: every string goes in through textContent or a whitelisted
// attribute, so example text can never become markup or script (hostile data sets exist).
type Child = Node | string | null | undefined | false;
const SAFE_ATTR = /^(id|class|title|role|type|placeholder|value|name|for|tabindex|colspan|rows|slot|disabled|checked|selected|open|secondary|label|aria-[a-z-]+|data-[a-z0-9-]+)$/;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K | string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (!SAFE_ATTR.test(k)) throw new Error(`attribute not allowed: ${k}`);
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
}

/** Replaces an element's children with nodes built by h() (no HTML parsing). */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}
