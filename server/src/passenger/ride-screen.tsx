import { strings, type Lang, type Strings } from "./i18n.ts";

/** Asks before a ride is ended: a tap on "I'm getting off" by mistake would cut the ride short for tracing. Moved by the script beside the button that opened it. */
function AlightConfirm(props: { t: Strings }) {
  const { t } = props;
  return (
    <div id="alight-confirm" class="confirm" role="alertdialog" aria-labelledby="alight-confirm-title" aria-describedby="alight-confirm-text" hidden>
      <strong id="alight-confirm-title">{t.alightConfirmTitle}</strong>
      <p id="alight-confirm-text" class="small">
        {t.alightConfirmText}
      </p>
      <div class="confirm-buttons">
        <button id="alight-yes" type="button" class="primary">
          {t.alightYes}
        </button>
        <button id="alight-no" type="button" class="secondary">
          {t.cancel}
        </button>
      </div>
    </div>
  );
}

/**
 * The ride's screen the script fills in after a check-in, the code step, and
 * the alighting confirmation: the same for every page in a language, so it
 * travels in the page script's file (page-assets.ts), which the phone keeps,
 * and the script puts it after the page's #start. In the page, it was half
 * of every scan's bytes (1.8 of 3.6 KB): bench:checkin (d) 0.52–0.54 →
 * 0.54–0.57 of /health without it.
 */
export const rideScreenHtml = (lang: Lang): string => {
  const t = strings[lang];
  return String(
    <>
    <section id="result" hidden>
      <div class="result" id="result-card" data-testid="result">
        <div class="status" id="r-status" />
        <div class="plate" id="r-plate" data-testid="result-plate" />
        <div id="r-route" />
        <div class="clock" id="clock" data-testid="clock" aria-live="off" />
        <div class="track"><div class="mover" /></div>
        <dl>
          <dt>{t.boarded}</dt>
          <dd id="r-boarded" data-testid="boarded-at" />
          <dt id="r-alighted-label" hidden>{t.alighted}</dt>
          <dd id="r-alighted" hidden />
        </dl>
        <div id="r-companions" data-testid="companions" />
      </div>
      <section class="card" id="verify" data-testid="verify" hidden>
        <strong>{t.verifyTitle}</strong>
        <p class="small">{t.verifyHint}</p>
        <p id="code-sent" />
        <label for="code">{t.code}</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength={6} />
        <button id="confirm-code" type="button">{t.confirmCode}</button>
        <button id="resend-code" type="button" class="secondary">{t.resendCode}</button>
        <div id="verify-error" class="error" role="alert" hidden />
      </section>
      <p class="small center">{t.showDriver}</p>
      <button id="alight" type="button" class="primary">{t.alight}</button>
      <div id="result-alighted" class="done" role="status" hidden>
        <strong id="result-alighted-text" />
        <p class="small">{t.nextRide}</p>
      </div>
      <div id="alight-error" class="error" role="alert" hidden />
      <a class="button secondary" href={`/pass?lang=${lang}`}>{t.myPass}</a>
    </section>
    <AlightConfirm t={t} />
  </>
);
};
