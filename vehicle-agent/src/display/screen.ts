import QRCode from "qrcode";
import type { AlertMessage, DisplayMessage } from "../../../protocol/index.ts";
import { clockTime } from "../log.ts";

/**
 * What the driver's screen shows, fed by the `display` and `alerts` topics.
 * Held in memory only: the live code is retained on the broker and comes
 * back on every connect, and alerts are for the driver now, not a record.
 */
export interface ScreenAlert extends AlertMessage {
  receivedAt: number;
}

export function createScreen() {
  let display: DisplayMessage | null = null;
  let onBoard: { count: number; at: number } | null = null;
  const alerts: ScreenAlert[] = [];
  let png: { url: string; png: Buffer } | null = null;

  return {
    display: () => display,
    alerts: () => alerts,
    /** Passengers on board now, as the server last counted them; null until a server that counts says so. */
    onBoard: () => onBoard,
    setDisplay(message: DisplayMessage): boolean {
      const changed = display?.url !== message.url;
      display = message;
      // Several server processes publish; a count made earlier never replaces a later one.
      if (message.onBoard !== undefined && (!onBoard || (message.onBoardAt ?? 0) >= onBoard.at)) onBoard = { count: message.onBoard, at: message.onBoardAt ?? 0 };
      return changed;
    },
    /** The driver has seen it (one touch on the screen): it leaves the screen. */
    ackAlert(checkinId: string): boolean {
      const i = alerts.findIndex((a) => a.checkinId === checkinId);
      if (i < 0) return false;
      alerts.splice(i, 1);
      return true;
    },
    addAlert(alert: AlertMessage): void {
      alerts.unshift({ ...alert, receivedAt: Date.now() });
      alerts.length = Math.min(alerts.length, 20);
    },
    /** The live code as a PNG QR (error correction M), rendered once per code. */
    async qrPng(): Promise<Buffer | null> {
      if (!display) return null;
      if (png?.url !== display.url) png = { url: display.url, png: await QRCode.toBuffer(display.url, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 480 }) };
      return png.png;
    },
  };
}

export type Screen = ReturnType<typeof createScreen>;

/** The live code as a QR drawn with block characters, for the agent's terminal. */
export async function terminalQr(url: string): Promise<string> {
  return QRCode.toString(url, { type: "terminal", small: true, errorCorrectionLevel: "M" });
}

/**
 * The alert as the driver reads it in the terminal: who (masked name), where
 * (seat) and when they boarded. Never the check-in id: it means nothing to a
 * driver, and the display page acknowledges by it, not the terminal.
 */
export function describeAlert(alert: AlertMessage): string {
  const who = alert.status === "case" ? "确诊 a CONFIRMED CASE" : "密接 a CLOSE CONTACT";
  const passenger = [alert.maskedName ?? "乘客 passenger", alert.seat ? `座位 seat ${alert.seat}` : null].filter(Boolean).join(", ");
  return `\u0007⚠ 提醒 ALERT: ${passenger}, boarded ${clockTime(alert.ts)}, is ${who}. 请按运营方规程处理 Follow your operator's procedure.`;
}
