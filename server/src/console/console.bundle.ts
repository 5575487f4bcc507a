import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The tracer console's browser code, bundled in memory: no build step for whoever runs `npm start`. */
export interface ConsoleBundle {
  js: string;
  css: string;
}

const entry = fileURLToPath(new URL("../../../map-ui/src/main.ts", import.meta.url));

/*
 * One bundle per process, made on the first request that needs it: the
 * sources do not change while the server runs, and a test process that starts
 * several apps should pay for esbuild once. A failed build is not cached, so
 * the next request tries again.
 */
let pending: Promise<ConsoleBundle> | null = null;

export function consoleBundle(): Promise<ConsoleBundle> {
  pending ??= bundle().catch((err: unknown) => {
    pending = null;
    throw err;
  });
  return pending;
}

async function bundle(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: "/console",
    format: "iife",
    target: ["es2020", "chrome100", "safari15"],
    minify: true,
    legalComments: "none",
    // Leaflet's CSS points at its layer-switcher images; inline them rather than serve node_modules.
    loader: { ".png": "dataurl", ".svg": "dataurl" },
    logLevel: "silent",
  });
  const text = (ext: string) => result.outputFiles.filter((f) => f.path.endsWith(ext)).map((f) => f.text).join("\n");
  return { js: text(".js"), css: text(".css") };
}
