import type { StaffUser } from "../context.ts";

/** What the page needs before its first request: map settings from config and who is signed in. */
export interface ConsoleBootstrap {
  tileUrl: string;
  tileCrs: "wgs84" | "gcj02";
  tzDisplay: string;
  publicUrl: string;
  /** False while PUBLIC_URL is unset: printed codes would point at localhost, so the fleet page warns. */
  publicUrlSet: boolean;
  /** The broker address a vehicle agent connects to, for the ready-to-paste agent command. */
  mqttUrl: string;
  user: StaffUser | null;
}

/** JSON inside <script> must not be able to close the tag. */
const scriptSafe = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028|\u2029/g, "");

export function consolePage(boot: ConsoleBootstrap): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transit tracer console</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/console.css">
<script id="console-config" type="application/json">${scriptSafe(boot)}</script>
<script defer src="/console.js"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<div id="app"><noscript>The tracer console needs JavaScript.</noscript></div>
</body>
</html>
`;
}
