/**
 * The styles of every passenger page (layout.tsx), served as one file the
 * phone keeps for a year (page-assets.ts). Inline, they were half of every
 * check-in page (3.4 of 7 KB), sent with every scan: leaving them out took
 * the page from 0.47–0.49 to 0.50 of /health (bench:checkin (d)). Plain CSS,
 * no outside fonts or hosts: the page must load on a weak mobile connection
 * inside a moving bus.
 */
export const pageCss = `
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f2f4f3;color:#15201a}
main{max-width:480px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:14px;padding:16px;margin-bottom:14px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.vehicle{text-align:center}
.plate{font-size:30px;font-weight:700;letter-spacing:.04em}
.meta{color:#4a5a50}
button,input{font-family:inherit}
#result{margin-bottom:14px}
/* A route id may be 64 characters with no break (a GTFS feed's): it wraps rather than widening a phone's screen. */
.meta,.result{overflow-wrap:anywhere}
label{display:block;margin:10px 0 4px;font-weight:600}
input{width:100%;font-size:18px;padding:11px 12px;border:1px solid #b9c4bd;border-radius:10px}
button,.button{display:block;width:100%;font-size:19px;font-weight:700;padding:14px;margin-top:14px;border:0;border-radius:12px;background:#0a7d3b;color:#fff;text-align:center;text-decoration:none}
button.secondary,.button.secondary{background:#e6ece8;color:#15201a;font-weight:600}
button:disabled{opacity:.6}
.small{font-size:13px;color:#5d6b62}
.companion{display:flex;gap:6px;margin-top:6px}
.companion input{font-size:16px}
.companion button{width:auto;margin:0;padding:8px 10px;font-size:14px}
.error{background:#fdecea;color:#8a1c12;border-radius:10px;padding:12px;margin-top:12px}
.notice{border-left:6px solid #e0a800;background:#fff8e1}
.notice.case{border-color:#c62828;background:#fdecea}
.result{color:#fff;text-align:center;border-radius:16px;padding:20px 16px;overflow:hidden}
.result.green{background:#0a7d3b}.result.yellow{background:#d9a400;color:#1d1600}.result.red{background:#c62828}.result.unverified{background:#5d6b62}
.result .status{font-size:26px;font-weight:800}
.result .plate{font-size:36px}
.clock{font-size:44px;font-weight:800;font-variant-numeric:tabular-nums;letter-spacing:.02em}
.track{position:relative;height:14px;margin:12px 0 4px;background:rgba(255,255,255,.3);border-radius:7px}
.mover{position:absolute;top:0;left:0;width:14px;height:14px;border-radius:7px;background:#fff;animation:move 2.4s ease-in-out infinite alternate}
@keyframes move{from{left:0}to{left:calc(100% - 14px)}}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;text-align:left;margin:12px 0 0}
dt{opacity:.85}dd{margin:0;font-weight:700}
.center{text-align:center}
button.link{background:none;color:#0a5c2c;font-size:15px;font-weight:600;padding:8px;margin-top:8px;text-decoration:underline}
.notice-title{font-size:22px;margin:0 0 6px}
.steps-title{margin:10px 0 2px;font-weight:700}
.steps{margin:4px 0 0;padding-left:1.4em}
.steps li{margin:2px 0}
.button.hotline{background:#7a4f00}
.notice.case .button.hotline{background:#8a1c12}
.other-lang{border-top:1px solid rgba(0,0,0,.14);margin-top:14px;padding-top:8px;font-size:14px;color:#3d4a42}
.other-lang p{margin:0 0 4px}
.on-board{margin:10px 0 0}
.confirm{border:2px solid #0a7d3b;border-radius:12px;padding:12px;margin-top:14px;background:#f4faf6}
.confirm p{margin:6px 0 0}
.confirm-buttons{display:flex;flex-wrap:wrap;gap:0 10px}
.confirm-buttons button{flex:1 1 9em;width:auto;margin-top:12px}
.done{background:#eef3f0;border-radius:10px;padding:12px;margin-top:14px}
.done p{margin:6px 0 0}
`;
