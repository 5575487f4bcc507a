import QRCode from "qrcode";

/*
 * QR images (DESIGN §6). Posters hang in buses for months and get scuffed, so
 * they use level Q (25 % recovery); everything else uses M, the minimum the
 * design allows, which keeps longer payloads (passes) easy for cheap scanners.
 */
export type QrLevel = "M" | "Q" | "H";

export function qrSvg(text: string, level: QrLevel = "M"): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: level, margin: 4 });
}

export function qrPng(text: string, level: QrLevel = "M", width = 512): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: level, margin: 4, width });
}
