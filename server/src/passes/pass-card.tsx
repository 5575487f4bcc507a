import type { Strings } from "../passenger/i18n.ts";
import { Page } from "../passenger/layout.tsx";

const cardCss = `
@page{size:A6 portrait;margin:8mm}
.pass{text-align:center;border:2px solid #0a7d3b;overflow-wrap:anywhere}
.pass svg{width:100%;max-width:320px;height:auto;display:block;margin:8px auto}
.pass .who{font-size:20px;font-weight:700}
@media print{body{background:#fff}.noprint{display:none}.card{box-shadow:none}}
`;

// Listeners, not onclick attributes: the CSP lets no inline handler run.
const cardScript = `document.getElementById("print").addEventListener("click", function () { window.print(); });
document.getElementById("back").addEventListener("click", function () { history.back(); });`;

/** The printable personal pass: a QR of the signed token, with just enough on it for its owner to know it is theirs. */
export function PassCard(props: { t: Strings; nonce: string; qrSvg: string; who: string }) {
  const { t } = props;
  return (
    <Page t={t} nonce={props.nonce} title={t.passTitle} extraCss={cardCss} script={cardScript}>
      <section class="card pass" data-testid="pass-card">
        <h1>{t.passTitle}</h1>
        <div class="who">{props.who}</div>
        <div data-testid="pass-qr" dangerouslySetInnerHTML={{ __html: props.qrSvg }} />
        <p class="small">{t.passHint}</p>
      </section>
      <div class="noprint">
        <button type="button" id="print">{t.print}</button>
        <button type="button" id="back" class="secondary">{t.back}</button>
      </div>
    </Page>
  );
}

/**
 * For a passenger whose device has not verified a phone: phone and name, then
 * the one-time code texted to it, each posted as a plain form (works without
 * JavaScript). A pass is only issued for a phone proved on this device.
 */
export function PassForm(props: { t: Strings; nonce: string; lang: string; error?: string; codeFor?: { phone: string; name: string; masked: string } }) {
  const { t, codeFor } = props;
  return (
    <Page t={t} nonce={props.nonce} title={t.passTitle}>
      <form class="card" method="post" action={`/pass?lang=${props.lang}`}>
        <h1>{t.passTitle}</h1>
        <p class="small">{t.passHint}</p>
        {codeFor ? (
          <div>
            <input type="hidden" name="phone" value={codeFor.phone} />
            <input type="hidden" name="name" value={codeFor.name} />
            <p>{t.codeSent(codeFor.masked)}</p>
            <label for="code">{t.code}</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength={6} pattern="[0-9]{6}" required />
            <button type="submit">{t.passIssue}</button>
          </div>
        ) : (
          <div>
            <label for="phone">{t.phone}</label>
            <input id="phone" name="phone" type="tel" inputmode="tel" placeholder={t.phonePlaceholder} required />
            <label for="name">{t.name}</label>
            <input id="name" name="name" required maxlength={50} />
            <button type="submit">{t.sendCode}</button>
          </div>
        )}
        {props.error ? <div class="error" role="alert">{props.error}</div> : null}
      </form>
    </Page>
  );
}
