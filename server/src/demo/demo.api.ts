/**
 * The demo's passengers and operator talk to the server as real clients do:
 * over HTTP, with the admin's bearer token for staff calls and a device
 * cookie per passenger, so every check-in takes the path a phone's takes.
 */
export async function demoApi(base: string, brokerUrl: string, admin: { username: string; password: string }) {
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: T; setCookie: string | null }> {
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // A socket the server closed under load (ECONNRESET) is an answer like any other for the demo's
      // passengers — status 0 — never an exception left unhandled that would stop the whole demo.
      return { status: 0, json: { error: { code: "network", message: (err as Error).message } } as T, setCookie: null };
    }
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T, setCookie: res.headers.get("set-cookie") };
  }
  const login = await call<{ token: string }>("POST", "/auth/login", admin);
  if (login.status !== 200) throw new Error(`the demo could not sign in as ${admin.username} (HTTP ${login.status})`);
  const staff = { authorization: `Bearer ${login.json.token}` };

  async function must<T>(what: string, p: Promise<{ status: number; json: T }>): Promise<T> {
    const res = await p;
    if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  }

  return {
    base,
    brokerUrl,
    call,
    registerVehicle: (body: { plate: string; kind: string; routeId?: string; capacity?: number }) =>
      must("registering a vehicle", call<{ id: string; code: { id: string; url: string }; agent: { username: string; password: string } }>("POST", "/vehicles", body, staff)),
    issuePass: (phone: string, name: string) => must("issuing a pass", call<{ personId: string; pass: string }>("POST", "/passes", { phone, name }, staff)),
    /** A passenger's scan: `code` is a poster code id or a live code token; `cookie` the device cookie of a returning passenger. */
    checkIn: (body: { code: string; phone?: string }, cookie?: string) =>
      call<{ checkinId: string; personId: string | null; verified: boolean }>("POST", "/checkins", body, cookie ? { cookie } : {}),
    /**
     * Proves a phone as its owner would, reading the code from the SMS sink
     * (/dev/sms.json, the demo's gateway), so the ride `checkinId` becomes
     * verified. The device cookie, or null when no code could be had (a real
     * gateway, or the per-address code limit that all demo riders share).
     */
    async verifyPhone(phone: string, checkinId: string): Promise<string | null> {
      if ((await call("POST", "/otp", { phone })).status !== 202) return null;
      const sink = await fetch(`${base}/dev/sms.json?phone=${encodeURIComponent(phone)}`);
      if (!sink.ok) return null;
      const { messages } = (await sink.json()) as { messages: { text: string }[] };
      const code = /\b(\d{6})\b/.exec(messages[0]?.text ?? "")?.[1];
      if (!code) return null;
      const verified = await call("POST", "/otp/verify", { phone, code, checkinId });
      return verified.status === 200 ? (verified.setCookie?.split(";")[0] ?? null) : null;
    },
    alight: (checkinId: string, cookie: string) => call("POST", `/checkins/${checkinId}/alight`, {}, { cookie }),
    trace: (body: { phone: string; from: string; to: string; reason: string; minOverlapMinutes?: number }) =>
      must("tracing", call<{ contacts: { role: "passenger" | "driver"; phone: string | null; driverId: string | null }[] }>("POST", "/traces", body, staff)),
  };
}

export type DemoApi = Awaited<ReturnType<typeof demoApi>>;
