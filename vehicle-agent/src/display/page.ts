import { createHash } from "node:crypto";

/**
 * The tablet page: the live code large, the vehicle and its trip, the clock
 * and how many passengers are on board, alerts, and buttons to start and end
 * a trip. Plain HTML polling /state every second: nothing to build, and it
 * works on an old tablet's browser. Alerts sit beside the code (below it on a
 * portrait screen), never over it.
 */
const STYLE = `
 *{box-sizing:border-box}
 body{font-family:"Noto Sans CJK SC","PingFang SC",system-ui,sans-serif;margin:0;background:#111;color:#eee;min-height:100vh;display:flex;flex-direction:column}
 header{width:100%;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center;justify-content:space-between;padding:.5em 1em;background:#222}
 #plate{font-size:1.5em;font-weight:700}
 #clock{font-size:1.6em;font-variant-numeric:tabular-nums;font-weight:700}
 #onboard{font-size:1.25em;white-space:nowrap}
 #onboard b{font-size:1.3em;font-variant-numeric:tabular-nums;margin:0 .15em}
 #onboard.stale{opacity:.5}
 .now{display:flex;gap:.4em 1.2em;align-items:baseline;flex-wrap:wrap}
 .dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;background:#c33;margin-right:.4em}
 .dot.on{background:#3c3}
 main{flex:1;display:grid;grid-template-columns:minmax(0,1fr) minmax(16em,24em);gap:1em;padding:1em;align-items:start}
 @media (max-aspect-ratio:1/1){main{grid-template-columns:1fr}}
 #code{display:flex;flex-direction:column;align-items:center}
 #qr{background:#fff;padding:1em;border-radius:8px;width:min(100%,70vh);aspect-ratio:1;display:flex;align-items:center;justify-content:center;color:#333}
 #qr img{width:100%;height:100%;image-rendering:pixelated}
 #expires{color:#aaa;margin-top:.3em}
 aside{display:flex;flex-direction:column;gap:.6em}
 #alerts:empty{display:none}
 .alert{display:flex;gap:.6em;align-items:center;justify-content:space-between;background:#a00;color:#fff;padding:.6em .7em;margin:0 0 .4em;border-radius:6px;font-weight:600}
 .alert.close_contact{background:#b45309}
 .alert button{background:#fff;color:#111;border:0;border-radius:6px;font-weight:700;padding:.6em .9em;min-width:5.5em}
 #scan{border-radius:6px;padding:.7em;font-size:1.25em;font-weight:700;text-align:center}
 #scan:empty{display:none}
 #scan.accepted{background:#15803d}
 #scan.repeat{background:#1d4ed8}
 #scan.refused{background:#b91c1c}
 #trip{font-size:1.1em}
 form{display:flex;gap:.5em;flex-wrap:wrap}
 input,button{font-size:1.05em;padding:.5em;min-width:0}
 input{flex:1 1 7.5em}
 #err{background:#7f1d1d;border-radius:6px;padding:.6em .7em}
 #err:empty{display:none}
`;

// Text goes in as text (textContent, DOM nodes): the trip's route or an alert's fields can never become markup.
// Chinese first, English beside it: the drivers read Chinese; English is for visitors and support.
const SCRIPT = `
const $ = (id) => document.getElementById(id);
const SCAN_SHOWN_MS = 6000;
let qrUrl = null;
const hm = (t) => { const d = new Date(t); return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0"); };
const ERRORS = { no_open_trip: "没有进行中的行程 No trip is open", invalid_request: "填写有误 Check what you typed" };
// Failures are told on the page, not in a dialog a driver must dismiss while driving.
async function post(path, body) {
  $("err").textContent = "";
  try {
    const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) {
      const error = (await res.json().catch(() => ({}))).error ?? {};
      $("err").textContent = ERRORS[error.code] ?? "操作失败 Failed: " + (error.message ?? res.statusText);
    }
  } catch { $("err").textContent = "终端无响应 agent not reachable"; }
  refresh();
}
$("start").onsubmit = (e) => { e.preventDefault(); const f = new FormData(e.target); const b = {}; for (const [k, v] of f) if (v) b[k] = v; post("/trip/start", b); };
$("end").onsubmit = (e) => { e.preventDefault(); post("/trip/end", {}); };
const SCAN_TEXT = {
  accepted: "✔ 登记成功 Checked in",
  repeat: "… 已登记 Already checked in",
  refused: "✘ 无效乘车卡 Pass refused",
};
function tick() {
  const now = new Date();
  $("clock").textContent = now.toLocaleTimeString("zh-CN", { hourCycle: "h23" });
}
// Alerts are kept by check-in, not redrawn: a node replaced every second would be announced again by a
// screen reader and could swallow a touch. One touched is hidden at once and stays hidden while a state
// read before the touch still lists it.
const acknowledged = new Set();
function showAlerts(alerts) {
  const listed = new Set(alerts.map((a) => a.checkinId));
  for (const id of acknowledged) if (!listed.has(id)) acknowledged.delete(id);
  const box = $("alerts");
  for (const d of [...box.children]) if (!listed.has(d.dataset.checkin) || acknowledged.has(d.dataset.checkin)) d.remove();
  let at = 0;
  for (const a of alerts) {
    if (acknowledged.has(a.checkinId)) continue;
    const d = [...box.children].find((c) => c.dataset.checkin === a.checkinId) ?? alertNode(a);
    if (box.children[at] !== d) box.insertBefore(d, box.children[at] ?? null);
    at++;
  }
}
function alertNode(a) {
  const d = document.createElement("div");
  d.className = "alert " + a.status;
  d.dataset.checkin = a.checkinId;
  d.setAttribute("role", "alert");
  const text = document.createElement("span");
  const who = [a.maskedName, a.seat ? "座位 seat " + a.seat : null].filter(Boolean).join(" · ");
  text.textContent = (a.status === "case" ? "确诊 Case" : "密接 Close contact") + (who ? " — " + who : "") + " · " + hm(a.ts);
  const ok = document.createElement("button");
  ok.type = "button";
  ok.textContent = "知道了 OK";
  ok.onclick = () => acknowledge(a.checkinId, d);
  d.append(text, ok);
  return d;
}
async function acknowledge(checkinId, node) {
  acknowledged.add(checkinId);
  node.remove();
  const res = await fetch("/alerts/ack", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ checkinId }) }).catch(() => null);
  // Not taken (the agent did not answer): shown again, the driver has not acknowledged anything. 404: already gone.
  if (!res || (!res.ok && res.status !== 404)) acknowledged.delete(checkinId);
  refresh();
}
// One state read at a time: a slow answer must not land after a newer one.
let reading = false;
async function refresh() {
  if (reading) return;
  reading = true;
  try {
    const s = await (await fetch("/state")).json();
    $("plate").textContent = s.plate ?? s.vehicleId;
    $("dot").className = "dot" + (s.online ? " on" : "");
    $("link").textContent = (s.online ? "在线 online" : "离线 offline") + (s.outbox.pending ? " · 待发 " + s.outbox.pending : "");
    // Counted by the server (DESIGN §7) and sent with the live code; faded while the link is down, as it may be old.
    $("onboard-n").textContent = s.onBoard ? String(s.onBoard.count) : "–";
    $("onboard").className = s.onBoard && s.online ? "" : "stale";
    if (s.display && s.display.url !== qrUrl) { qrUrl = s.display.url; const img = document.createElement("img"); img.alt = "乘车码 live code"; img.src = "/qr.png?v=" + encodeURIComponent(s.display.expiresAt); $("qr").replaceChildren(img); }
    $("expires").textContent = s.display ? "有效至 valid until " + hm(s.display.expiresAt) : "";
    $("trip").textContent = s.trip ? "行程 Trip: " + [s.trip.routeId, s.trip.direction, s.trip.orderRef].filter(Boolean).join(" ") + " · 发车 since " + hm(s.trip.startedAt) : "未发车 No open trip";
    const shown = s.lastScan && Date.now() - s.lastScan.at < SCAN_SHOWN_MS;
    $("scan").className = shown ? s.lastScan.result.outcome : "";
    $("scan").textContent = shown ? SCAN_TEXT[s.lastScan.result.outcome] ?? s.lastScan.text : "";
    showAlerts(s.alerts);
  } catch { $("link").textContent = "终端无响应 agent not reachable"; }
  finally { reading = false; }
}
tick(); setInterval(tick, 1000);
refresh(); setInterval(refresh, 1000);
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/**
 * The page's CSP: its one <style> and one <script> by hash (the page is
 * static), nothing inline besides, no framing, no plugins, no <base>.
 */
export const TABLET_CSP = [
  "default-src 'self'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const TABLET_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>乘车码 Vehicle code</title>
<style>${STYLE}</style></head>
<body>
<header><span id="plate">…</span><span class="now"><span id="clock"></span><span id="onboard" class="stale" aria-live="polite">车上<b id="onboard-n">–</b>人 · on board</span></span><span><span id="dot" class="dot"></span><span id="link">离线 offline</span></span></header>
<main>
<section id="code"><div id="qr">等待乘车码… waiting for the live code…</div><div id="expires"></div></section>
<aside>
<div id="alerts" aria-live="assertive"></div>
<div id="scan" role="status"></div>
<div id="err" role="alert"></div>
<div id="trip"></div>
<form id="start"><input name="routeId" placeholder="线路 route" aria-label="线路 route"><input name="direction" placeholder="方向 direction" aria-label="方向 direction"><input name="orderRef" placeholder="订单 order" aria-label="订单 order"><button>发车 Start trip</button></form>
<form id="end"><button>收车 End trip</button></form>
</aside>
</main>
<script>${SCRIPT}</script></body></html>`;
