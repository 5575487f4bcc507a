import type { CodeVehicle } from "./codes.repository.ts";

export const kindLabels: Record<CodeVehicle["kind"], { zh: string; en: string }> = {
  bus: { zh: "公交车", en: "Bus" },
  taxi: { zh: "出租车", en: "Taxi" },
  ride_hail: { zh: "网约车", en: "Ride-hail car" },
  coach: { zh: "长途客车", en: "Coach" },
};

/** Printable height of the page: the sheet less the @page margins (10 mm each), less 1 mm for rounding. */
const printableHeight = { A4: "276mm", A5: "189mm" };

const css = (size: "A4" | "A5") => `
@page { size: ${size} portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; color: #111; }
.poster { max-width: ${size === "A4" ? "190mm" : "128mm"}; margin: 0 auto; padding: ${size === "A4" ? "6mm" : "4mm"}; text-align: center; border: 2px solid #0a7d3b; border-radius: 6mm; overflow-wrap: anywhere; }
h1 { margin: 0; font-size: ${size === "A4" ? "30pt" : "20pt"}; color: #0a7d3b; }
h1 small { display: block; font-size: 0.5em; color: #333; font-weight: normal; }
.plate { font-size: ${size === "A4" ? "34pt" : "24pt"}; line-height: 1.2; font-weight: bold; letter-spacing: 0.05em; margin: ${size === "A4" ? "4mm" : "2mm"} 0 1mm; }
.meta { font-size: ${size === "A4" ? "12pt" : "10pt"}; color: #333; }
.qr svg { width: ${size === "A4" ? "120mm" : "80mm"}; max-width: 100%; height: auto; display: block; margin: 3mm auto; }
.fallback { font-size: ${size === "A4" ? "10pt" : "8pt"}; margin: 0 0 ${size === "A4" ? "3mm" : "2mm"}; color: #333; }
.fallback code { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 1.05em; color: #111; word-break: break-all; }
.how { display: flex; gap: ${size === "A4" ? "6mm" : "4mm"}; text-align: left; font-size: ${size === "A4" ? "10.5pt" : "8.5pt"}; }
.how div { flex: 1; min-width: 0; }
.how ol { margin: 1mm 0 0; padding-left: 5mm; }
.toolbar { text-align: center; margin: 4mm; }
@media print {
  .toolbar { display: none; }
  /* One sheet whatever the texts: the poster fills the printable height and
     the QR takes what the texts leave, rather than pushing them to a second page. */
  .poster { border-width: 1.5pt; height: ${printableHeight[size]}; display: flex; flex-direction: column; }
  .qr { flex: 1 1 0; min-height: 0; display: flex; justify-content: center; }
  .qr svg { width: auto; height: 100%; max-height: ${size === "A4" ? "120mm" : "80mm"}; margin: 2mm auto; }
}
`;

/** "AbCdEfGhIj" → "AbCd EfGh Ij": easier to read out and type than one run of characters. */
const groupsOfFour = (code: string) => code.match(/.{1,4}/g)?.join(" ") ?? code;

/** The printable poster hung inside the vehicle: plate, route, kind, the code and how to use it, in Chinese and English. */
// A listener, not an onclick attribute: the CSP lets no inline handler run.
const printScript = `document.getElementById("print").addEventListener("click", function () { window.print(); });`;

/** `nonce`: the request's CSP nonce, for the page's own <style> and <script>. */
export function Poster(props: { vehicle: CodeVehicle; qrSvg: string; url: string; size: "A4" | "A5"; nonce: string }) {
  const { vehicle, size } = props;
  const kind = kindLabels[vehicle.kind];
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`乘车码 Ride code · ${vehicle.plate}`}</title>
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: css(size) }} />
      </head>
      <body>
        <div class="toolbar">
          <button type="button" id="print">打印 Print</button> · <a href="?size=A5">A5</a> · <a href="?size=A4">A4</a>
        </div>
        <main class="poster">
          <h1>
            乘车扫码登记<small>Scan to check in</small>
          </h1>
          <div class="plate" data-testid="plate">{vehicle.plate}</div>
          <div class="meta">
            {kind.zh} {kind.en}
            {vehicle.routeId ? ` · 线路 Route ${vehicle.routeId}` : ""}
            {vehicle.operator ? ` · ${vehicle.operator}` : ""}
          </div>
          <div class="qr" data-testid="qr" dangerouslySetInnerHTML={{ __html: props.qrSvg }} />
          {/* For a phone whose camera cannot read the code: the address to type, and the code in groups of four to read out. */}
          <p class="fallback" data-testid="fallback">
            无法扫码？请在浏览器中打开 Can't scan? Open <code>{props.url}</code>
            <br />
            代码 Code <code>{groupsOfFour(props.url.slice(props.url.lastIndexOf("/") + 1))}</code>
          </p>
          <div class="how">
            <div lang="zh-CN">
              <strong>如何登记</strong>
              <ol>
                <li>用手机相机或微信、支付宝扫描上方二维码。</li>
                <li>首次扫码填写手机号和姓名，之后一键登记。</li>
                <li>向司机出示结果页面（有实时时钟）。</li>
                <li>下车时点“我要下车”。没有手机可使用个人乘车卡。</li>
              </ol>
            </div>
            <div lang="en">
              <strong>How to check in</strong>
              <ol>
                <li>Scan the code above with your phone's camera.</li>
                <li>The first time, enter your phone number and name; after that it is one tap.</li>
                <li>Show the result screen (with its live clock) to the driver.</li>
                <li>Tap "I'm getting off" when you leave. No phone? Use a personal pass card.</li>
              </ol>
            </div>
          </div>
        </main>
        <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: printScript }} />
      </body>
    </html>
  );
}
