import type { CodeVehicle } from "../codes/codes.repository.ts";
import { kindLabels } from "../codes/poster.tsx";
import type { HealthStatus } from "../persons/persons.repository.ts";
import { raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { JSX } from "hono/jsx/jsx-runtime";
import { strings, type Lang, type Strings } from "./i18n.ts";
import { displayTime, Page } from "./layout.tsx";
import { scriptJson } from "./page-script.ts";
import { checkinScriptAsset } from "./page-assets.ts";
import { RecordReadsCard, type RecordReads } from "./record-reads.tsx";

export interface Exposure {
  plate: string;
  routeId: string | null;
  boardedAt: Date;
}

export interface RememberedPassenger {
  status: HealthStatus;
  /** Masked name and phone, for "checking in as …". */
  who: string;
  exposure: Exposure | null;
  /**
   * The ride on this vehicle they are on board of now (DESIGN §7), so the
   * page leads with getting off, and can show the ride's screen again, without
   * a new check-in. `status` is the verified owner's colour, for that screen.
   */
  onBoard: { checkinId: string; boardedAt: Date; companions: number; status: "green" | "yellow" | "red" } | null;
  /** Reads of their records for tracing. */
  reads?: RecordReads;
}

const HOTLINE = "12320";

/**
 * What a flagged passenger sees first (issue 4 part 4, issue 13 part 6):
 * which ride, when, and what to do now, with the health hotline one touch
 * away — in the page's language, and the other one below it, since the
 * phone's language may not be the reader's.
 */
export function ExposureNotice(props: { t: Strings; status: HealthStatus; exposure: Exposure | null; tz: string }) {
  const { t, status, exposure } = props;
  if (status === "clear") return null;
  const isCase = status === "case";
  const other = t.htmlLang === strings.zh.htmlLang ? strings.en : strings.zh;
  const steps = (s: Strings) => (isCase ? s.noticeStepsCase : s.noticeStepsCloseContact);
  return (
    <section class={`card notice${isCase ? " case" : ""}`} id="notice" data-testid="notice" role="alert">
      <h1 class="notice-title">{t.noticeTitle}</h1>
      <p>
        <strong>{isCase ? t.noticeCase : t.noticeCloseContact}</strong>
      </p>
      {exposure ? <p>{t.noticeRide(`${exposure.plate}${exposure.routeId ? ` (${t.route} ${exposure.routeId})` : ""}`, displayTime(exposure.boardedAt, props.tz))}</p> : null}
      <p class="steps-title">{t.noticeWhatTitle}</p>
      <ol class="steps" data-testid="notice-steps">
        {steps(t).map((step) => (
          <li>{step}</li>
        ))}
      </ol>
      <a class="button hotline" id="hotline" href={`tel:${HOTLINE}`} data-testid="hotline">
        {t.callHotline}
      </a>
      <div class="other-lang" lang={other.htmlLang} data-testid="notice-other-lang">
        <p>
          <strong>{isCase ? other.noticeCase : other.noticeCloseContact}</strong> {other.noticeWhatTitle}
        </p>
        <ol class="steps">
          {steps(other).map((step) => (
            <li>{step}</li>
          ))}
        </ol>
      </div>
    </section>
  );
}

export function VehicleCard(props: { t: Strings; lang: Lang; vehicle: CodeVehicle }) {
  const { vehicle, t } = props;
  return (
    <section class="card vehicle">
      <div class="plate" data-testid="vehicle-plate">{vehicle.plate}</div>
      <div class="meta">
        {kindLabels[vehicle.kind][props.lang]}
        {vehicle.routeId ? ` · ${t.route} ${vehicle.routeId}` : ""}
        {vehicle.operator ? ` · ${vehicle.operator}` : ""}
      </div>
    </section>
  );
}

export function ErrorPage(props: { t: Strings; nonce: string; title: string; message: string }) {
  return (
    <Page t={props.t} nonce={props.nonce} title={props.title}>
      <section class="card" data-testid="code-error">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
      </section>
    </Page>
  );
}

/**
 * What the remembered passenger may do here, first thing first: get off a
 * ride they are on (confirmed in the page), or check in — with one tap when
 * clear, or, for a flagged passenger, as a smaller choice below the notice.
 */
function RememberedActions(props: { t: Strings; me: RememberedPassenger; tz: string }) {
  const { t, me } = props;
  const flagged = me.status !== "clear";
  return (
    <div id="remembered" data-state={me.onBoard ? "on-board" : flagged ? "flagged" : "ready"}>
      <p>
        {t.asPerson}
        <strong>{me.who}</strong>
      </p>
      {me.onBoard ? (
        <div id="open-ride" data-checkin={me.onBoard.checkinId}>
          <p class="on-board">
            <strong>{t.onBoardTitle}</strong>
            <br />
            {t.onBoardSince}
            <strong>{displayTime(me.onBoard.boardedAt, props.tz)}</strong>
          </p>
          <button id="alight-open" type="button" class="primary">
            {t.alight}
          </button>
          <button id="show-ride" type="button" class="secondary">
            {t.showRide}
          </button>
        </div>
      ) : flagged ? (
        <div id="flagged-checkin">
          <p class="small">{t.flaggedOnBoardHint}</p>
          <button id="one-tap" type="button" class="secondary">
            {t.flaggedCheckin}
          </button>
        </div>
      ) : (
        <button id="one-tap" type="button" class="primary">
          {t.oneTap}
        </button>
      )}
      <div id="alighted-note" class="done" role="status" hidden>
        <strong id="alighted-text" />
        <p class="small">{t.nextRide}</p>
      </div>
      <button id="forget" type="button" class="link">
        {t.notYou}
      </button>
    </div>
  );
}

/**
 * The parts of the page that are the same for every vehicle and passenger in
 * a language, rendered once: the page a scan opens is the busiest page there
 * is, and rendering them each time was a sixth of its CPU.
 */
function renderedOnce(render: (lang: Lang, t: Strings) => JSX.Element): (lang: Lang) => HtmlEscapedString {
  const made = new Map<Lang, HtmlEscapedString>();
  return (lang) => {
    let html = made.get(lang);
    if (html === undefined) {
      html = raw(String(render(lang, strings[lang])));
      made.set(lang, html);
    }
    return html;
  };
}

/** The first scan: phone, name, companions. */
const firstScanForm = renderedOnce((_lang, t) => (
  <form id="first-scan" novalidate>
    <label for="phone">{t.phone}</label>
    <input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder={t.phonePlaceholder} required />
    <label for="name">{t.name}</label>
    <input id="name" name="name" autocomplete="name" maxlength={50} />
    <label>{t.companions}</label>
    <div id="companions" />
    <button id="add-companion" type="button" class="secondary">{t.addCompanion}</button>
    <button id="submit" type="submit" class="primary">{t.submit}</button>
    <p class="small">{t.privacy}</p>
  </form>
));

/** GET /v/{code}: the first-scan form or the remembered passenger's actions; the script adds the ride's screen (ride-screen.tsx). */
export function CheckinPage(props: { t: Strings; nonce: string; lang: Lang; code: string; vehicle: CodeVehicle; tz: string; me: RememberedPassenger | null }) {
  const { t, me, vehicle } = props;
  const flagged = me !== null && me.status !== "clear";
  const config = {
    code: props.code,
    lang: props.lang,
    tz: props.tz,
    // The ride they are on, to show its screen again without checking in (the shape of the check-in answer).
    onBoard: me?.onBoard
      ? {
          checkinId: me.onBoard.checkinId,
          verified: true,
          boardedAt: me.onBoard.boardedAt.toISOString(),
          alightedAt: null,
          vehicle: { plate: vehicle.plate, kind: vehicle.kind, routeId: vehicle.routeId },
          status: me.onBoard.status,
          companions: Array.from({ length: me.onBoard.companions }, () => ({})),
        }
      : null,
  };
  // This page's values inline; the script and its strings, the same for every page in a language, from a file the phone keeps.
  return (
    <Page t={t} nonce={props.nonce} title={`${t.title} · ${vehicle.plate}`} script={`window.__checkin=${scriptJson(config)};`} scriptSrc={checkinScriptAsset(props.lang).path}>
      {/* A flagged passenger reads what to do before anything else. */}
      {flagged ? <ExposureNotice t={t} status={me.status} exposure={me.exposure} tz={props.tz} /> : null}
      <div id="notice-slot" />
      <VehicleCard t={t} lang={props.lang} vehicle={vehicle} />

      <section class="card" id="start">
        {me ? (
          <RememberedActions t={t} me={me} tz={props.tz} />
        ) : (
          firstScanForm(props.lang)
        )}
        {vehicle.kind === "coach" && !me?.onBoard ? (
          // Coaches sell seats; tracing weighs rows near a case's row most (DESIGN §7).
          <div id="seat-field">
            <label for="seat">{t.seat}</label>
            <input id="seat" name="seat" maxlength={10} autocomplete="off" />
          </div>
        ) : null}
        <div id="error" class="error" role="alert" hidden />
      </section>


      {me?.reads ? <RecordReadsCard t={t} reads={me.reads} tz={props.tz} /> : null}
    </Page>
  );
}
