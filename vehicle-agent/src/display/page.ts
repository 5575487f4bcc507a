import { createHash } from "node:crypto";

/**
 * The tablet page: the live code large, the vehicle and its trip, alerts, and
 * buttons to start and end a trip. Plain HTML polling /state every two
 * seconds: nothing to build, and it works on an old tablet's browser.
 */
const STYLE = `
 body{font-family:system-ui,sans-serif;margin:0;background:#111;color:#eee;display:flex;flex-direction:column;align-items:center}
 header{width:100%;display:flex;justify-content:space-between;padding:.6em 1em;box-sizing:border-box;background:#222}
 #plate{font-size:1.6em;font-weight:700}
 .dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;background:#c33;margin-right:.4em}
 .dot.on{background:#3c3}
 #qr{background:#fff;padding:1em;margin:1em;border-radius:8px;width:min(80vw,60vh);aspect-ratio:1;display:flex;align-items:center;justify-content:center;color:#333}
 #qr img{width:100%;height:100%;image-rendering:pixelated}
 #expires{color:#aaa}
 #trip{font-size:1.2em;margin:.5em}
 #alerts{width:min(90vw,40em)}
 .alert{background:#a00;color:#fff;padding:.7em;margin:.4em 0;border-radius:6px;font-weight:600}
 .alert.close_contact{background:#b80}
 form{display:flex;gap:.5em;margin:.5em;flex-wrap:wrap;justify-content:center}
 input,button{font-size:1.1em;padding:.5em}
 #scan{margin:.5em;font-size:1.2em}
`;

// Text goes in as text (textContent, DOM nodes): the trip's route or an alert's fields can never become markup.
const SCRIPT = `
const $ = (id) => document.getElementById(id);
let qrUrl = null;
async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) alert((await res.json()).error?.message ?? res.statusText);
  refresh();
}
$("start").onsubmit = (e) => { e.preventDefault(); const f = new FormData(e.target); const b = {}; for (const [k, v] of f) if (v) b[k] = v; post("/trip/start", b); };
$("end").onsubmit = (e) => { e.preventDefault(); post("/trip/end", {}); };
async function refresh() {
  try {
    const s = await (await fetch("/state")).json();
    $("plate").textContent = s.plate ?? s.vehicleId;
    $("dot").className = "dot" + (s.online ? " on" : "");
    $("link").textContent = (s.online ? "online" : "offline") + " · outbox " + s.outbox.pending;
    if (s.display && s.display.url !== qrUrl) { qrUrl = s.display.url; const img = document.createElement("img"); img.alt = "live code"; img.src = "/qr.png?v=" + encodeURIComponent(s.display.expiresAt); $("qr").replaceChildren(img); }
    $("expires").textContent = s.display ? "expires " + new Date(s.display.expiresAt).toLocaleTimeString() : "";
    $("trip").textContent = s.trip ? "Trip 行程: " + [s.trip.routeId, s.trip.direction, s.trip.orderRef].filter(Boolean).join(" ") + " since " + new Date(s.trip.startedAt).toLocaleTimeString() : "No open trip 未发车";
    $("scan").textContent = s.lastScan ? s.lastScan.text : "";
    $("alerts").replaceChildren();
    for (const a of s.alerts) {
      const d = document.createElement("div");
      d.className = "alert " + a.status;
      d.textContent = (a.status === "case" ? "确诊 Confirmed case" : "密接 Close contact") + " — check-in " + a.checkinId + " at " + new Date(a.ts).toLocaleTimeString();
      $("alerts").appendChild(d);
    }
  } catch { $("link").textContent = "agent not reachable"; }
}
refresh(); setInterval(refresh, 2000);
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
<title>Vehicle code · 乘车码</title>
<style>${STYLE}</style></head>
<body>
<header><span id="plate">…</span><span><span id="dot" class="dot"></span><span id="link">offline</span></span></header>
<div id="qr">waiting for the live code…</div>
<div id="expires"></div>
<div id="scan"></div>
<div id="trip"></div>
<form id="start"><input name="routeId" placeholder="route 线路"><input name="direction" placeholder="direction 方向" size="8"><input name="orderRef" placeholder="order 订单" size="10"><button>Start trip 发车</button></form>
<form id="end"><button>End trip 收车</button></form>
<div id="alerts"></div>
<script>${SCRIPT}</script></body></html>`;
