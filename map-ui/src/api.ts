/**
 * The console's only way to the server: the public /api/v1, with the session
 * cookie the sign-in set (HttpOnly, so no token is ever held in script).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const signedOutListeners: Listener[] = [];
/** Called when any request finds the session gone, so the shell can show sign-in again. */
export const onSignedOut = (fn: Listener) => void signedOutListeners.push(fn);

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached");
  }
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (res.status === 401 && !path.startsWith("/auth/login")) signedOutListeners.forEach((fn) => fn());
    throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

export const apiUrl = (path: string) => `/api/v1${path}`;

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

let routes: Promise<Set<string>> | null = null;
/**
 * The paths this server's API offers (from its OpenAPI document), so the
 * console uses an optional route only where it exists instead of provoking 404s.
 */
export function apiRoutes(): Promise<Set<string>> {
  routes ??= api<{ paths?: Record<string, unknown> }>("GET", "/openapi.json").then(
    (doc) => new Set(Object.keys(doc.paths ?? {})),
    () => new Set<string>(),
  );
  return routes;
}
