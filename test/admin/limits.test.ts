// Issue 15, item 5: the admin app's edges. Every body is bounded before anything reads it (signing
// in included), hostile shapes are a 400 and never a 500, and guessing passwords is throttled per
// account and per client address, each failure and each throttled attempt in the audit log.
import { request as httpRequest } from "node:http";
import { SignInThrottle } from "@pea/admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveAdmin } from "../e2e/browser.js";
import { DEMO_PASSWORD, signIn, startTestAdmin, type TestAdmin } from "./support.js";

let admin: TestAdmin;
let server: { url: string; close(): Promise<void> };

/**
 * The throttle's clock: it moves only when a test moves it. On the real clock a loaded machine
 * could spend a whole wait on a few attempts, and the attempt that should wait would not.
 */
let now = Date.now();

beforeAll(async () => {
  admin = await startTestAdmin({ extra: { throttle: new SignInThrottle({ now: () => now }) } });
  server = await serveAdmin(admin.app);
});
afterAll(async () => {
  await server?.close();
  await admin?.close();
});

const MB = 1024 * 1024;

/**
 * POST `total` bytes to `path` over a real socket, as fast as the server takes them, and stop
 * writing as soon as it answers. Resolves with the status, the answer and how much was sent.
 */
function flood(
  path: string,
  total: number,
  chunked: boolean,
  type = "application/x-www-form-urlencoded",
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    let sent = 0;
    let answered = false;
    const req = httpRequest(url, {
      method: "POST",
      headers: {
        "content-type": type,
        ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(total) }),
      },
    });
    const chunk = Buffer.alloc(MB, "a");
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body, sent });
      });
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const post = (path: string, body: string | FormData, headers: Record<string, string> = {}) =>
  admin.app.request(path, { method: "POST", headers, body });

describe("body size", () => {
  it("refuses a declared 200 MB sign-in from the header, without reading it", async () => {
    const before = process.memoryUsage().rss;
    const res = await flood("/login", 200 * MB, false);
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/exceeds 65536 bytes/);
    // The server answered long before the body could have been read, and holds none of it.
    expect(res.sent).toBeLessThan(100 * MB);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MB);
  });

  it("stops reading a chunked body at the limit", async () => {
    const before = process.memoryUsage().rss;
    const res = await flood("/login", 200 * MB, true);
    expect(res.status).toBe(413);
    expect(res.sent).toBeLessThan(100 * MB);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MB);
  });

  it("bounds the JSON API the same way, signing in included", async () => {
    const res = await flood("/api/v1/session", 200 * MB, false, "application/json");
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
  });
});

describe("hostile shapes are a 400, never a 500", () => {
  const brokenMultipart = {
    "content-type": "multipart/form-data; boundary=XYZ",
  };
  const broken = '--XYZ\r\nContent-Disposition: form-data; name="user"\r\n\r\ncarol\r\n--XY';

  it("a malformed multipart body, to the sign-in page and to any other page", async () => {
    for (const path of ["/login", "/people/users", "/memberships/grant", "/no/such/page"]) {
      const res = await post(path, broken, brokenMultipart);
      expect(res.status, path).toBe(400);
      expect(await res.text()).toMatch(/malformed form data/);
    }
    // The JSON API takes JSON only.
    expect((await post("/api/v1/session", broken, brokenMultipart)).status).toBe(415);
  });

  it("a file where a form field belongs", async () => {
    const form = new FormData();
    form.append("user", new Blob(["carol"]), "user.txt");
    const res = await post("/login", form);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^user: file uploads are not accepted/);
  });

  it("a NUL or an unpaired surrogate in any form or JSON field", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    for (const body of ["user=%00&password=x", "user=carol&password=a%00b", "us%00er=carol"]) {
      const res = await post("/login", body, form);
      expect(res.status, body).toBe(400);
      expect(await res.text()).toMatch(/NUL character or an unpaired surrogate/);
    }
    const json = { "content-type": "application/json" };
    for (const body of ['{"user":"\\u0000","password":"x"}', '{"user":"carol","password":"\\ud800"}']) {
      const res = await post("/api/v1/session", body, json);
      expect(res.status, body).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("invalid_request");
      expect(error.message).toMatch(/^(user|password): contains a NUL character or an unpaired surrogate/);
    }
    const pat = await signIn(admin.app, "pat");
    const res = await pat.post("/api/v1/users", { id: "nul-user", displayName: "A\u0000B" });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toMatch(/^displayName: contains a NUL/);
  });

  it("a JSON body nested 5,000 deep, signed in or not", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const anonymous = await post("/api/v1/session", `{"user":"carol","password":${deep}}`, {
      "content-type": "application/json",
    });
    expect(anonymous.status).toBe(400);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toBe(
      "body: nested deeper than 32 levels",
    );
    const pat = await signIn(admin.app, "pat");
    const deepPut = await admin.app.request("/api/v1/resources/Dataset/deep", {
      method: "PUT",
      headers: { ...(await cookieOf("pat")), "content-type": "application/json" },
      body: `{"attributes":{"x":${deep}}}`,
    });
    expect(deepPut.status).toBe(400);
    // Nothing was registered, and the app still answers.
    expect((await pat.get("/api/v1/resources")).json.resources).not.toContainEqual(
      expect.objectContaining({ id: "deep" }),
    );
  });
});

/** Headers that carry a fresh session of `user` (cookie and CSRF token). */
async function cookieOf(user: string): Promise<Record<string, string>> {
  const res = await post("/api/v1/session", JSON.stringify({ user, password: DEMO_PASSWORD }), {
    "content-type": "application/json",
  });
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] as string, "x-csrf-token": body.csrfToken };
}

const auditOf = async (action: string, target: string) =>
  admin.pdp.database.query<{ record: unknown }>(
    "SELECT record FROM audit_log WHERE record->>'action' = $1 AND record->>'target' = $2 ORDER BY seq",
    [action, target],
  );

/** A browser-like sign-in over a real socket (the client address is 127.0.0.1). */
async function signInOverHttp(user: string, password: string) {
  const res = await fetch(`${server.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ user, password }).toString(),
    redirect: "manual",
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), text: await res.text() };
}

describe("sign-in throttling", () => {
  it("one address guessing many accounts is throttled too, then waits for even a right password", async () => {
    for (let i = 0; i < 5; i++) expect((await signInOverHttp(`nobody-${i}`, "guess guess guess")).status).toBe(401);
    const right = await signInOverHttp("alice", DEMO_PASSWORD);
    expect(right.status).toBe(429);
    const [record] = await auditOf("signin.throttled", "User::alice");
    expect(record?.record).toMatchObject({ actor: "Client::127.0.0.1", detail: { by: "address" } });
    // Once the wait is over, alice signs in, and that clears the address's count.
    now += Number(right.retryAfter) * 1000;
    expect((await signInOverHttp("alice", DEMO_PASSWORD)).status).toBe(303);
  });

  it("300 wrong passwords for carol, then the right one: refused while throttled, and recorded", async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const res = await signInOverHttp("carol", `wrong password ${i}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    // Five free failures, then (the clock standing still) every attempt waits.
    expect(statuses.get(401)).toBe(5);
    expect(statuses.get(429)).toBe(295);

    const right = await signInOverHttp("carol", DEMO_PASSWORD);
    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(right.text).toMatch(/Too many failed sign-ins/);
    // The account is throttled from any address (here: the in-process client), through the API too.
    const api = await post("/api/v1/session", JSON.stringify({ user: "carol", password: DEMO_PASSWORD }), {
      "content-type": "application/json",
    });
    expect(api.status).toBe(429);
    expect(Number(api.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("too_many_requests");

    const failed = await auditOf("signin.failed", "User::carol");
    const throttled = await auditOf("signin.throttled", "User::carol");
    expect(failed.length).toBe(statuses.get(401));
    expect(throttled.length).toBe((statuses.get(429) ?? 0) + 2);
    expect(throttled[0]?.record).toMatchObject({
      type: "change",
      actor: "Client::127.0.0.1",
      detail: { via: "password", by: "account" },
    });
  });
});
