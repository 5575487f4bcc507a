import { field, h, select } from "../dom.ts";
import { t } from "../i18n.ts";
import { fmtDateTime, fmtTime } from "../time.ts";
import type { Trace } from "./trace-model.ts";

const TICK_STEPS_MIN = [5, 10, 15, 30, 60, 120, 240, 720, 1440];

/**
 * The moment on board: a slider over the trace's time span with tick marks at
 * round times, labels under it, and a play button that moves it at a chosen
 * speed (minutes of trace per second of wall time).
 */
export function timeSlider(tr: Trace, onTime: (at: number) => string) {
  const times = [...tr.segments, ...tr.contacts].flatMap((x) => [Date.parse(x.from), Date.parse(x.to)]).filter(Number.isFinite);
  if (times.length === 0) return null;
  const min = Math.min(...times);
  const max = Math.max(...times);
  const span = Math.max(1, max - min);
  // About six ticks, on a round number of minutes.
  const stepMin = TICK_STEPS_MIN.find((s) => span / (s * 60_000) <= 6) ?? 1440;
  const step = stepMin * 60_000;
  const ticks: number[] = [];
  for (let at = Math.ceil(min / step) * step; at <= max; at += step) ticks.push(at);

  const listId = `ticks-${min}`;
  const slider = h("input", { type: "range", min: String(min), max: String(max), step: "60000", value: String(min), list: listId });
  const datalist = h("datalist", { id: listId }, ticks.map((at) => h("option", { value: String(at) })));
  const labels = h(
    "div",
    { className: "slider-ticks", "aria-hidden": "true" },
    ticks.map((at) => {
      const mark = h("span", {}, fmtTime(at).slice(0, 5));
      mark.style.left = `${((at - min) / span) * 100}%`;
      return mark;
    }),
  );
  const out = h("output", { "aria-live": "polite" });
  const speed = select(
    [
      ["1", t("slider.speed", { n: 1 })],
      ["5", t("slider.speed", { n: 5 })],
      ["15", t("slider.speed", { n: 15 })],
      ["60", t("slider.speed", { n: 60 })],
    ],
    "5",
  );
  const play = h("button", { type: "button", className: "secondary play", "aria-pressed": "false" }, t("trip.play"));

  // The moment shown. Kept here, not read back from the slider: a range input snaps its value to its
  // one-minute step, so a frame's advance of less than half a minute (every speed below 60 min/s at
  // 60 frames a second) was rounded away and Play never moved.
  let moment = min;
  const update = () => {
    out.textContent = onTime(moment);
    slider.setAttribute("aria-valuetext", fmtDateTime(moment));
  };

  let frame = 0;
  let last = 0;
  const stop = () => {
    cancelAnimationFrame(frame);
    frame = 0;
    play.textContent = t("trip.play");
    play.setAttribute("aria-pressed", "false");
  };
  const tick = (now: number) => {
    const elapsed = last ? now - last : 0;
    last = now;
    moment = Math.min(max, moment + elapsed * Number(speed.value) * 60);
    slider.value = String(moment);
    update();
    if (moment >= max) return stop();
    frame = requestAnimationFrame(tick);
  };
  play.addEventListener("click", () => {
    if (frame) return stop();
    if (moment >= max) moment = min;
    last = 0;
    play.textContent = t("trip.pause");
    play.setAttribute("aria-pressed", "true");
    frame = requestAnimationFrame(tick);
  });
  slider.addEventListener("input", () => {
    moment = Number(slider.value);
    update();
  });
  queueMicrotask(update);

  const el = h(
    "div",
    { className: "slider" },
    field(t("case.slider"), slider),
    datalist,
    labels,
    h("div", { className: "row slider-controls" }, play, field(t("trip.speed"), speed)),
    out,
  );
  return { el, stop };
}
