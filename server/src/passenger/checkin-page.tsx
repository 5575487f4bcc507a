import type { CodeVehicle } from "../codes/codes.repository.ts";
import { kindLabels } from "../codes/poster.tsx";
import type { HealthStatus } from "../persons/persons.repository.ts";
import type { Lang, Strings } from "./i18n.ts";
import { displayTime, Page, scriptJson } from "./layout.tsx";
import { checkinScript } from "./page-script.ts";
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
  /** A ride on this vehicle they have not checked out of, so they can get off without checking in again. */
  openRide: { checkinId: string; boardedAt: Date } | null;
  /** Reads of their records for tracing. */
  reads?: RecordReads;
}

/** What a flagged passenger sees: which ride, when, and what to do now (issue 4 part 4). */
export function ExposureNotice(props: { t: Strings; status: HealthStatus; exposure: Exposure | null; tz: string }) {
  const { t, status, exposure } = props;
  if (status === "clear") return null;
  const isCase = status === "case";
  return (
    <section class={`card notice${isCase ? " case" : ""}`} id="notice" data-testid="notice">
      <strong>{t.noticeTitle}</strong>
      <p>{isCase ? t.noticeCase : t.noticeCloseContact}</p>
      {exposure ? <p>{t.noticeRide(`${exposure.plate}${exposure.routeId ? ` (${t.route} ${exposure.routeId})` : ""}`, displayTime(exposure.boardedAt, props.tz))}</p> : null}
      <p>{isCase ? t.noticeWhatCase : t.noticeWhatCloseContact}</p>
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

/** GET /v/{code}: the first-scan form or the one-tap button, and the result screen the script fills in. */
export function CheckinPage(props: { t: Strings; nonce: string; lang: Lang; code: string; vehicle: CodeVehicle; tz: string; me: RememberedPassenger | null }) {
  const { t, me } = props;
  const config = { code: props.code, lang: props.lang, tz: props.tz, t: { ...t, noticeRide: undefined } };
  return (
    <Page t={t} nonce={props.nonce} title={`${t.title} · ${props.vehicle.plate}`} script={`window.__checkin=${scriptJson(config)};${checkinScript}`}>
      <VehicleCard t={t} lang={props.lang} vehicle={props.vehicle} />
      {me ? <ExposureNotice t={t} status={me.status} exposure={me.exposure} tz={props.tz} /> : null}
      <div id="notice-slot" />
      {me?.reads ? <RecordReadsCard t={t} reads={me.reads} tz={props.tz} /> : null}

      <section class="card" id="start">
        {me ? (
          <div id="remembered">
            <p>
              {t.asPerson}
              <strong>{me.who}</strong>
            </p>
            <button id="one-tap" type="button">{t.oneTap}</button>
            {me.openRide ? (
              <div id="open-ride" data-checkin={me.openRide.checkinId}>
                <p class="small">
                  {t.onBoardSince}
                  <strong>{displayTime(me.openRide.boardedAt, props.tz)}</strong>
                </p>
                <button id="alight-open" type="button" class="secondary">{t.alight}</button>
              </div>
            ) : null}
            <button id="forget" type="button" class="secondary">{t.notYou}</button>
          </div>
        ) : (
          <form id="first-scan" novalidate>
            <label for="phone">{t.phone}</label>
            <input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" placeholder={t.phonePlaceholder} required />
            <label for="name">{t.name}</label>
            <input id="name" name="name" autocomplete="name" maxlength={50} />
            <label>{t.companions}</label>
            <div id="companions" />
            <button id="add-companion" type="button" class="secondary">{t.addCompanion}</button>
            <button id="submit" type="submit">{t.submit}</button>
            <p class="small">{t.privacy}</p>
          </form>
        )}
        {props.vehicle.kind === "coach" ? (
          // Coaches sell seats; tracing weighs rows near a case's row most (DESIGN §7).
          <div>
            <label for="seat">{t.seat}</label>
            <input id="seat" name="seat" maxlength={10} autocomplete="off" />
          </div>
        ) : null}
        <div id="error" class="error" role="alert" hidden />
      </section>

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
          <div id="r-companions" />
        </div>
        <p class="small center">{t.showDriver}</p>
        <button id="alight" type="button">{t.alight}</button>
        <a class="button secondary" href={`/pass?lang=${props.lang}`}>{t.myPass}</a>
      </section>
    </Page>
  );
}
