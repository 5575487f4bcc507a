import type { StaffUser } from "../../protocol/api/staff.ts";

export type { StaffUser };

/** What the server put into the page (see server/src/console/console.page.ts). */
export interface Boot {
  tileUrl: string;
  tileCrs: "wgs84" | "gcj02";
  tzDisplay: string;
  publicUrl: string;
  publicUrlSet: boolean;
  mqttUrl: string;
  user: StaffUser | null;
}

export function readBoot(): Boot {
  const el = document.getElementById("console-config");
  const boot = JSON.parse(el?.textContent ?? "{}") as Partial<Boot>;
  return {
    tileUrl: boot.tileUrl ?? "",
    tileCrs: boot.tileCrs === "gcj02" ? "gcj02" : "wgs84",
    tzDisplay: boot.tzDisplay ?? "Asia/Shanghai",
    publicUrl: boot.publicUrl ?? location.origin,
    publicUrlSet: boot.publicUrlSet ?? true,
    mqttUrl: boot.mqttUrl ?? `mqtt://${location.hostname}:1883`,
    user: boot.user ?? null,
  };
}
