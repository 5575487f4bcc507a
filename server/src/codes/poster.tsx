import type { CodeVehicle } from "./codes.repository.ts";

export const kindLabels: Record<CodeVehicle["kind"], { zh: string; en: string }> = {
  bus: { zh: "公交车", en: "Bus" },
  taxi: { zh: "出租车", en: "Taxi" },
  ride_hail: { zh: "网约车", en: "Ride-hail car" },
  coach: { zh: "长途客车", en: "Coach" },
};

const css = (size: "A4" | "A5") => `
@page { size: ${size} portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; color: #111; }
.poster { max-width: ${size === "A4" ? "190mm" : "128mm"}; margin: 0 auto; padding: 6mm; text-align: center; border: 2px solid #0a7d3b; border-radius: 6mm; }
h1 { margin: 0; font-size: ${size === "A4" ? "30pt" : "22pt"}; color: #0a7d3b; }
h1 small { display: block; font-size: 0.5em; color: #333; font-weight: normal; }
.plate { font-size: ${size === "A4" ? "34pt" : "26pt"}; font-weight: bold; letter-spacing: 0.05em; margin: 4mm 0 1mm; }
.meta { font-size: 12pt; color: #333; }
.qr svg { width: ${size === "A4" ? "120mm" : "80mm"}; height: auto; display: block; margin: 3mm auto; }
.how { display: flex; gap: 6mm; text-align: left; font-size: 10.5pt; }
.how div { flex: 1; }
.how ol { margin: 1mm 0 0; padding-left: 5mm; }
.toolbar { text-align: center; margin: 4mm; }
@media print { .toolbar { display: none; } .poster { border-width: 1.5pt; } }
`;

/** The printable poster hung inside the vehicle: plate, route, kind, the code and how to use it, in Chinese and English. */
export function Poster(props: { vehicle: CodeVehicle; qrSvg: string; url: string; size: "A4" | "A5" }) {
  const { vehicle, size } = props;
  const kind = kindLabels[vehicle.kind];
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`乘车码 Ride code · ${vehicle.plate}`}</title>
        <style dangerouslySetInnerHTML={{ __html: css(size) }} />
      </head>
      <body>
        <div class="toolbar">
          <button onclick="window.print()">打印 Print</button> · <a href="?size=A5">A5</a> · <a href="?size=A4">A4</a>
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
      </body>
    </html>
  );
}
