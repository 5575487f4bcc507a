import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Router } from "./openapi.ts";
import { cspNonce } from "./security/csp.ts";

/**
 * The API reference at /api/v1/docs: Scalar, served from node_modules (no CDN,
 * no font host, no "Ask AI" agent calling proxy.scalar.com), so it works on a closed network and under the CSP. Scalar's
 * own page template inlines its start-up script without a nonce, so the page
 * is written here, with the request's nonce on it.
 */
export function registerApiReference(api: Router) {
  api.get("/docs", (c) => {
    const nonce = cspNonce(c);
    const config = { url: "/api/v1/openapi.json", withDefaultFonts: false, hideClientButton: true, agent: { disabled: true } };
    return c.html(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transit check-in API</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="/api/v1/docs/scalar.js"></script>
<script nonce="${nonce}">Scalar.createApiReference("#app", ${JSON.stringify(config)})</script>
</body>
</html>
`);
  });
  api.get("/docs/scalar.js", (c) => c.body(scalarBundle(), 200, { "content-type": "text/javascript", "cache-control": "public, max-age=86400" }));
}

let scalarScript: string | undefined;
function scalarBundle(): string {
  scalarScript ??= withoutEvalProbe(readFileSync(createRequire(import.meta.url).resolve("@scalar/api-reference/browser/standalone.js"), "utf8"));
  return scalarScript;
}

/**
 * The bundled zod probes whether eval works (`new Function("")` in a
 * try/catch) and, where it does not, validates without compiling. The CSP
 * allows no eval, so the probe only costs a CSP violation report on every
 * load: answer it "no" up front, as zod itself does on Cloudflare Workers.
 * (If a Scalar upgrade changes the probe, the browser test of the reference
 * sees the violation again.)
 */
const EVAL_PROBE = 'try{return new Function(""),!0}catch(e){return!1}';
function withoutEvalProbe(bundle: string): string {
  return bundle.replace(EVAL_PROBE, "return!1");
}
