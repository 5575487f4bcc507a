/**
 * The passenger page's script, served with its strings as one file a
 * language (page-assets.ts). Plain ES2017 so old phone browsers run it;
 * reads the page's values from window.__checkin, set inline before it.
 */
export const checkinScript = String.raw`
(function () {
  var cfg = window.__checkin, t = cfg.t;
  // The ride's screen, the same on every page in this language, comes with this file (ride-screen.tsx).
  document.getElementById("start").insertAdjacentHTML("afterend", cfg.rideScreen);
  function $(id) { return document.getElementById(id); }
  function fmt(d, opts) { return new Intl.DateTimeFormat(t.locale, Object.assign({ timeZone: cfg.tz, hourCycle: "h23" }, opts)).format(d); }
  function clockText(d) { return fmt(d, { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }
  // One style for dates on every screen, as the server renders them (layout.tsx displayTime): 2026-12-01 22:53, whatever the phone's locale.
  function dateTimeText(d) {
    var p = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: cfg.tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
  }

  function showError(message) { var e = $("error"); e.textContent = message; e.hidden = false; }
  function errorText(body) {
    var code = body && body.error && body.error.code;
    return (code && t.errors[code]) || (body && body.error && body.error.message) || t.failed;
  }
  function setBusy(busy) {
    var buttons = document.querySelectorAll("#start button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = busy;
  }
  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { ok: res.ok, status: res.status, data: data };
      });
    });
  }

  var current = null, typed = null;
  function showStatus(status) {
    $("result-card").className = "result " + status;
    $("r-status").textContent = t.status[status];
    if (status !== "green") {
      fetch("/passenger/notice?lang=" + cfg.lang, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        // The server renders the notice with JSX, which escapes every stored text in it.
        .then(function (html) { if (!$("notice")) $("notice-slot").innerHTML = html; });
    }
  }
  function showResult(d) {
    current = d;
    $("start").hidden = true;
    $("result").hidden = false;
    $("r-plate").textContent = d.vehicle.plate;
    $("r-route").textContent = d.vehicle.routeId ? t.route + " " + d.vehicle.routeId : "";
    $("r-boarded").textContent = dateTimeText(new Date(d.boardedAt));
    // "You + 2": companions' statuses are theirs alone, never shown on this device.
    $("r-companions").textContent = d.companions && d.companions.length ? t.companionsText.replace("{n}", String(d.companions.length)) : "";
    if (d.alightedAt) showAlighted(d.alightedAt);
    if (d.verified) { showStatus(d.status); return; }
    // A phone this device has not proved yet: the ride is recorded; the status waits for the texted code.
    $("result-card").className = "result unverified";
    $("r-status").textContent = t.unverified;
    $("alight").hidden = true;
    $("verify").hidden = false;
    sendCode();
  }

  function verifyError(message) { var e = $("verify-error"); e.textContent = message; e.hidden = !message; }
  function sendCode() {
    verifyError("");
    $("code-sent").textContent = "";
    send("POST", "/api/v1/otp", { phone: typed.phone, lang: cfg.lang }).then(function (r) {
      if (r.ok) $("code-sent").textContent = t.codeSentText.replace("{phone}", typed.phone);
      else verifyError(errorText(r.data));
    }).catch(function () { verifyError(t.offline); });
  }
  $("resend-code").onclick = sendCode;
  $("confirm-code").onclick = function () {
    var code = $("code").value.replace(/\D/g, "");
    var body = { phone: typed.phone, code: code, checkinId: current.checkinId };
    if (typed.name) body.name = typed.name;
    $("confirm-code").disabled = true;
    send("POST", "/api/v1/otp/verify", body).then(function (r) {
      $("confirm-code").disabled = false;
      if (!r.ok) { verifyError(errorText(r.data)); return; }
      // Proved: this device now checks in as its owner with one tap, and sees their status.
      $("verify").hidden = true;
      $("alight").hidden = !r.data.checkinVerified;
      showStatus(r.data.status);
    }).catch(function () { $("confirm-code").disabled = false; verifyError(t.offline); });
  };
  function timeText(d) { return fmt(d, { hour: "2-digit", minute: "2-digit" }); }
  function showAlighted(at) {
    $("r-alighted-label").hidden = false;
    $("r-alighted").hidden = false;
    $("r-alighted").textContent = dateTimeText(new Date(at));
    $("alight").hidden = true;
    $("result-alighted-text").textContent = t.alightedAtText.replace("{time}", timeText(new Date(at)));
    $("result-alighted").hidden = false;
  }

  // "I'm getting off" asks first, in the page (no window.confirm: some in-app browsers never show it),
  // with the question placed right under the button that asked.
  var asking = null;
  function closeConfirm() {
    if (!asking) return;
    asking.trigger.hidden = false;
    $("alight-confirm").hidden = true;
    asking = null;
  }
  function askAlight(trigger, checkinId, done, fail) {
    closeConfirm();
    asking = { trigger: trigger, checkinId: checkinId, done: done, fail: fail };
    var box = $("alight-confirm");
    trigger.parentNode.insertBefore(box, trigger.nextSibling);
    trigger.hidden = true;
    box.hidden = false;
    $("alight-yes").disabled = false;
    $("alight-yes").focus();
  }
  $("alight-no").onclick = closeConfirm;
  $("alight-yes").onclick = function () {
    var a = asking;
    if (!a) return;
    $("alight-yes").disabled = true;
    send("POST", "/api/v1/checkins/" + a.checkinId + "/alight").then(function (r) {
      $("alight-confirm").hidden = true;
      asking = null;
      if (r.ok) a.done(r.data.alightedAt);
      else { a.trigger.hidden = false; a.fail(errorText(r.data)); }
    }).catch(function () {
      $("alight-confirm").hidden = true;
      asking = null;
      a.trigger.hidden = false;
      a.fail(t.offline);
    });
  };

  function checkIn(body) {
    body.code = cfg.code;
    var seat = $("seat");
    if (seat && seat.value.trim()) body.seat = seat.value.trim();
    setBusy(true);
    $("error").hidden = true;
    return send("POST", "/api/v1/checkins", body)
      .then(function (r) { if (r.ok) showResult(r.data); else showError(errorText(r.data)); })
      .catch(function () { showError(t.offline); })
      .then(function () { setBusy(false); });
  }

  function addCompanion() {
    var row = document.createElement("div");
    row.className = "companion";
    var name = document.createElement("input"), phone = document.createElement("input"), remove = document.createElement("button");
    name.className = "c-name"; name.maxLength = 50; name.placeholder = t.companionName;
    phone.className = "c-phone"; phone.type = "tel"; phone.inputMode = "tel"; phone.placeholder = t.companionPhone;
    remove.type = "button"; remove.className = "secondary"; remove.textContent = "×"; remove.title = t.remove;
    remove.onclick = function () { row.remove(); };
    row.append(name, phone, remove);
    $("companions").appendChild(row);
  }

  var form = $("first-scan");
  if (form) {
    $("add-companion").onclick = addCompanion;
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var phone = $("phone").value.trim(), name = $("name").value.trim();
      if (!phone) { showError(t.errors.phone_required); return; }
      var body = { phone: phone };
      if (name) body.name = name;
      typed = { phone: phone, name: name };
      var companions = [];
      var rows = document.querySelectorAll("#companions .companion");
      for (var i = 0; i < rows.length; i++) {
        var cn = rows[i].querySelector(".c-name").value.trim(), cp = rows[i].querySelector(".c-phone").value.trim();
        if (!cn) continue;
        companions.push(cp ? { name: cn, phone: cp } : { name: cn });
      }
      if (companions.length) body.companions = companions;
      checkIn(body);
    };
  }
  if ($("one-tap")) $("one-tap").onclick = function () { checkIn({}); };
  if ($("forget")) $("forget").onclick = function () {
    send("POST", "/passenger/forget").then(function () { location.reload(); });
  };
  if ($("alight-open")) $("alight-open").onclick = function () {
    $("error").hidden = true;
    askAlight($("alight-open"), $("open-ride").getAttribute("data-checkin"), function (at) {
      // Off this ride: nothing more to do here until the next boarding, which is a new scan.
      $("open-ride").hidden = true;
      $("alighted-text").textContent = t.alightedAtText.replace("{time}", timeText(new Date(at)));
      $("alighted-note").hidden = false;
    }, showError);
  };
  if ($("show-ride")) $("show-ride").onclick = function () { if (cfg.onBoard) showResult(cfg.onBoard); };
  $("alight").onclick = function () {
    if (!current) return;
    $("alight-error").hidden = true;
    askAlight($("alight"), current.checkinId, showAlighted, function (message) {
      $("alight-error").textContent = message;
      $("alight-error").hidden = false;
    });
  };

  function tick() { $("clock").textContent = clockText(new Date()); }
  tick();
  setInterval(tick, 250);
})();
`;

/** JSON safe to put inside <script>: no "</script>" or HTML comment can close it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}
