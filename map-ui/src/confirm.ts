import { h } from "./dom.ts";
import { t } from "./i18n.ts";

/**
 * Asks before an act that changes what happens to people (a status they will
 * see on their next scan): a modal dialog that names them and counts them.
 * Resolves true only on the confirm button; Escape and Cancel resolve false.
 */
export function confirmAct(opts: { title: string; names?: string[]; body?: string; confirm: string }): Promise<boolean> {
  const MAX_NAMES = 12;
  const names = opts.names ?? [];
  const cancel = h("button", { type: "button", className: "secondary", value: "cancel" }, t("common.cancel"));
  const ok = h("button", { type: "button", className: "primary", value: "ok" }, opts.confirm);
  const dialog = h(
    "dialog",
    { className: "confirm", "aria-labelledby": "confirm-title" },
    h("h2", { id: "confirm-title" }, opts.title),
    opts.body ? h("p", {}, opts.body) : null,
    names.length
      ? h(
          "ul",
          { className: "confirm-names" },
          names.slice(0, MAX_NAMES).map((n) => h("li", {}, n)),
          names.length > MAX_NAMES ? h("li", {}, t("common.andMore", { n: names.length - MAX_NAMES })) : null,
        )
      : null,
    h("div", { className: "actions" }, ok, cancel),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    ok.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}

/** Copies text to the clipboard, falling back to selecting it where the clipboard is refused (plain http). */
export async function copyText(text: string, source?: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (source) {
      const range = document.createRange();
      range.selectNodeContents(source);
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
    }
    return false;
  }
}

/** A "Copy" button beside a value. */
export function copyButton(text: string, label: string, source?: HTMLElement) {
  const button = h("button", { type: "button", className: "copy secondary", "aria-label": label }, t("common.copy"));
  button.addEventListener("click", async () => {
    const copied = await copyText(text, source);
    button.textContent = copied ? t("common.copied") : t("common.selected");
    window.setTimeout(() => (button.textContent = t("common.copy")), 2000);
  });
  return button;
}
