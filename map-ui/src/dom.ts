import { getLang, LANGS, setLang, t } from "./i18n.ts";

/** A tiny element builder: the console needs no framework, only labelled, reachable controls. */
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;
export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, "").toLowerCase(), value as EventListener);
    else if (key === "className") el.className = String(value);
    // Through the CSSOM: the CSP (no 'unsafe-inline' styles) blocks a style attribute set as markup.
    else if (key === "style") el.style.cssText = String(value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * Tooltip and popup content as an element, one text line each. Leaflet puts a
 * string content in as HTML, so stored names, plates or driver ids handed over
 * as a string would run as markup; text nodes cannot.
 */
export function lines(...texts: (string | Node)[]): HTMLElement {
  const el = document.createElement("span");
  texts.forEach((text, i) => {
    if (i > 0) el.appendChild(document.createElement("br"));
    el.appendChild(typeof text === "string" ? document.createTextNode(text) : text);
  });
  return el;
}

export function clear(el: Element) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let idCounter = 0;
export const uid = (prefix: string) => `${prefix}-${++idCounter}`;

/** An input with its own <label>: every field is named for a screen reader. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string) {
  input.id ||= uid("f");
  const hintEl = hint ? h("small", { id: `${input.id}-hint`, className: "hint" }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { className: "field" }, h("label", { for: input.id }, label), input, hintEl);
}

export function select(options: [value: string, label: string][], value?: string, attrs: Attrs = {}) {
  const el = h("select", attrs, ...options.map(([v, l]) => h("option", { value: v }, l)));
  if (value !== undefined) el.value = value;
  return el;
}

/** The language switch: switches, then lets the caller redraw in the new language. */
export function languageSelect(redraw: () => void) {
  return select(
    LANGS.map((l) => [l.code, l.label]),
    getLang(),
    {
      "aria-label": t("lang.label"),
      onchange: (e: Event) => {
        setLang((e.target as HTMLSelectElement).value);
        redraw();
      },
    },
  );
}

/** Announces a message politely to screen readers and shows it. */
export function status(el: HTMLElement, message: string, kind: "info" | "error" = "info") {
  el.textContent = message;
  el.classList.toggle("error", kind === "error");
}
