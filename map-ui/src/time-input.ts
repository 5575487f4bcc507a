import { h } from "./dom.ts";
import { t } from "./i18n.ts";
import { toLocalInput } from "./time.ts";

/**
 * A time typed as the console shows times: "2026-11-27 16:05", a wall time
 * in the display zone (its label names the zone). Not <input
 * type="datetime-local">: that shows each browser's own format (12/01/2026,
 * 07:57 AM in one, 2026/12/01 07:57 in another) beside the ISO-like times
 * everywhere else. Read it back with fromLocalInput.
 */
export function timeInput(attrs: { name?: string; required?: boolean; value?: string | number | Date } = {}) {
  return h("input", {
    type: "text",
    className: "time-input",
    name: attrs.name,
    required: attrs.required,
    value: attrs.value === undefined ? undefined : toLocalInput(attrs.value),
    placeholder: "yyyy-mm-dd hh:mm",
    pattern: "\\s*\\d{4}-\\d{1,2}-\\d{1,2}[ T]\\d{1,2}:\\d{2}\\s*",
    title: t("time.format"),
    autocomplete: "off",
    spellcheck: "false",
  });
}
