/**
 * The application page's script, inlined with the CSP nonce. Plain ES2017 for
 * old phones; settings from the JSON in #apply-config. Every string it puts on
 * the page goes in as text.
 */
export const applyScript = String.raw`
(function () {
  var cfg = JSON.parse(document.getElementById("apply-config").textContent), w = cfg.words;
  function $(id) { return document.getElementById(id); }
  function show(id, message) { var e = $(id); e.textContent = message; e.hidden = !message; }
  function errorText(body) {
    var code = body && body.error && body.error.code;
    return (code && w.errors[code]) || (body && body.error && body.error.message) || w.failed;
  }
  function send(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (res) { return res.text().then(function (t) { var d = null; try { d = JSON.parse(t); } catch (e) {} return { ok: res.ok, body: d }; }); });
  }
  $("send-code").addEventListener("click", function () {
    show("error", "");
    send("/api/v1/otp", { phone: $("phone").value }).then(function (r) { if (!r.ok) show("error", errorText(r.body)); else $("code").focus(); });
  });
  $("verify").addEventListener("click", function () {
    show("error", "");
    send("/api/v1/otp/verify", { phone: $("phone").value, code: $("code").value }).then(function (r) {
      if (!r.ok) return show("error", errorText(r.body));
      show("verified", w.verified);
      $("application").hidden = false;
    });
  });
  $("application").addEventListener("submit", function (ev) {
    ev.preventDefault();
    show("error", "");
    var op = $("operator").value;
    send("/api/v1/applications", {
      plate: $("plate").value, kind: $("kind").value, operatorId: op || null,
      driverName: $("driver-name").value, licence: $("licence").value, onboardUnit: $("onboard").checked
    }).then(function (r) {
      if (!r.ok) return show("error", errorText(r.body));
      var page = r.body.page.url, path = page.slice(page.indexOf("/apply/"));
      $("start").hidden = true;
      $("result").hidden = false;
      $("result-plate").textContent = r.body.vehicle.plate;
      $("result-code").src = path + "/code.svg";
      $("result-poster").href = path + "/poster";
      $("result-page").href = path;
      if (r.body.agent) {
        $("agent").hidden = false;
        $("agent-user").textContent = r.body.agent.username;
        $("agent-password").textContent = r.body.agent.password;
      }
    });
  });
})();`;
