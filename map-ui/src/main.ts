import "leaflet/dist/leaflet.css";
import "./style.css";
import { readBoot } from "./boot.ts";
import { initLang } from "./i18n.ts";
import { startShell } from "./shell.ts";
import { setDisplayZone } from "./time.ts";
import { renderLogin } from "./views/login.ts";

/** The tracer console: plain DOM and Leaflet, talking only to the public /api/v1. */
const boot = readBoot();
setDisplayZone(boot.tzDisplay);
initLang();
startShell(document.getElementById("app")!, boot, renderLogin);
