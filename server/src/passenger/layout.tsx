import type { Child } from "hono/jsx";
import type { Strings } from "./i18n.ts";
import { pageStylesheet } from "./page-assets.ts";

/** Times as the passenger reads them: in TZ_DISPLAY, whatever the server's zone. */
export { displayTime } from "../clock.ts";


/**
 * `nonce`: the request's CSP nonce (security/csp.ts); the page's own <style>
 * (`extraCss`) and <script> carry it, nothing else can run. The shared styles
 * come from a file the phone keeps (page-style.ts). `scriptSrc`: a script of this
 * server's, run after `script`.
 */
export function Page(props: { t: Strings; nonce: string; title: string; children?: Child; script?: string; scriptSrc?: string; extraCss?: string }) {
  return (
    <html lang={props.t.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={pageStylesheet.path} />
        {props.extraCss ? <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.extraCss }} /> : null}
      </head>
      <body>
        <main>{props.children}</main>
        {props.script ? <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.script }} /> : null}
        {props.scriptSrc ? <script nonce={props.nonce} src={props.scriptSrc} /> : null}
      </body>
    </html>
  );
}
