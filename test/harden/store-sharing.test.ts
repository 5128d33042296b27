// One store, every process `npm start` runs and the CLI beside them: the PDP (which owns the embedded
// store and serves it to the others), the admin app making changes, the CLI running commands, all
// while decisions are being made. Nothing may fail: no decision denied for a store fault, no admin
// error, no CLI failure (on the embedded store their statements used to interleave with the PDP's).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as cli } from "@pea/cli";
import { openDatabase, serveEmbedded } from "@pea/migrations";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { storeKind } from "../support/env.js";
import { keyFromCli, untilKeyIsKnown } from "../support/keys.js";
import {
  type AppProcess,
  type PdpProcess,
  startAppProcess,
  startPdpProcess,
  stopPdpProcess,
} from "../support/process.js";
import { stories } from "../support/requests.js";
import { openTestStore, type TestStore } from "../support/store.js";

const KEY = "pea_sharetest01.abcdefghijklmnopqrstuvwxyz0123456789";
const PASSWORD = "correct horse battery staple";
const ROUNDS = 30;
const DECIDERS = 4;

/** The admin app in its own process, as `npm start` runs it. */
const startAdminProcess = (env: Record<string, string>) =>
  startAppProcess("apps/admin/src/main.ts", /PEA admin app on (http:\/\/\S+)/, { PEA_ADMIN_PORT: "0", ...env });

describe(`the ${storeKind} store shared by the PDP, the admin app and the CLI`, () => {
  let store: TestStore | undefined;
  let pdp: PdpProcess | undefined;
  let admin: AppProcess | undefined;
  afterAll(async () => {
    admin?.child.kill("SIGTERM");
    await stopPdpProcess(pdp);
    await store?.close();
  });

  it(`CLI commands and admin changes under decision load: 0 errors (${ROUNDS} rounds)`, {
    timeout: 600_000,
  }, async () => {
    let env: Record<string, string>;
    if (storeKind === "postgres") {
      store = await openTestStore();
      env = { DATABASE_URL: store.url as string };
    } else {
      env = { PEA_DATA_DIR: await mkdtemp(join(tmpdir(), "pea-sharing-")) };
    }
    pdp = await startPdpProcess({ ...env, PEA_BOOTSTRAP_API_KEY: KEY });
    admin = await startAdminProcess({ ...env, PEA_ADMIN_DEMO_PASSWORD: PASSWORD });
    // alice's own key asks for her research assistant; carol's own admin key runs the CLI's changes.
    const alice = await keyFromCli(env, ["--user", "alice"]);
    await untilKeyIsKnown(pdp.url, alice);
    const carol = await keyFromCli(env, ["--user", "carol", "--scope", "admin"]);

    const signIn = await fetch(`${admin.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "pat", password: PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const session = {
      cookie: (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string,
      "x-csrf-token": csrfToken,
      "content-type": "application/json",
    };
    const change = async (path: string, body: unknown) =>
      (await fetch(`${admin?.url}${path}`, { method: "POST", headers: session, body: JSON.stringify(body) })).status;

    // Decisions all along: each is an allow, unless something failed.
    let working = true;
    let decisions = 0;
    const faults: string[] = [];
    const deciders = Array.from({ length: DECIDERS }, async () => {
      while (working) {
        const res = await fetch(`${pdp?.url}/v1/authorize`, {
          method: "POST",
          headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
          body: JSON.stringify(stories.readResearch),
        });
        const json = (await res.json()) as { decision?: string; reasons?: Array<{ code: string; message?: string }> };
        decisions++;
        if (json.decision !== "allow") faults.push(`decision ${res.status}: ${JSON.stringify(json.reasons ?? json)}`);
      }
    });

    const out = { log: () => {}, error: (line: string) => faults.push(`cli: ${line}`) };
    for (let i = 0; i < ROUNDS; i++) {
      const group = `share-${i}`;
      const member = { member: { type: "User", id: "carol" }, parent: { type: "Group", id: group } };
      const [created, added] = [
        await change("/api/v1/groups", { id: group }),
        await change("/api/v1/memberships", member),
      ];
      if (created !== 201 || added !== 201) faults.push(`admin: group ${created}, membership ${added}`);
      const cliEnv = { ...env, PEA_LOG_LEVEL: "warn", PEA_API_KEY: carol };
      const commands = [
        ["keys", "create", "--name", `cli-${i}`, "--gateway"],
        ["membership", "add", "--member", "User::erin", "--parent", `Group::${group}`],
        ...(i % 5 === 0 ? [["audit", "verify"]] : []),
      ];
      for (const argv of commands) {
        const code = await cli(argv, cliEnv, out);
        if (code !== 0) faults.push(`cli ${argv.join(" ")}: exit ${code}`);
      }
      const revoked = await change("/api/v1/memberships/revoke", member);
      if (revoked !== 200) faults.push(`admin: revoke ${revoked}`);
    }
    working = false;
    await Promise.all(deciders);
    console.log(
      `${storeKind}: ${decisions} decisions, ${ROUNDS} rounds of admin changes and CLI commands, ${faults.length} faults`,
    );
    expect(faults).toStrictEqual([]);
    expect(decisions).toBeGreaterThan(100);
  });
});

describe("the embedded store's server (whole exchanges under the engine's lock)", () => {
  it("another process's open transaction holds the owner out until it ends, or until it idles too long", {
    timeout: 60_000,
  }, async () => {
    const database = await openDatabase({ dataDir: "memory://" });
    const server = await serveEmbedded(database, await mkdtemp(join(tmpdir(), "pea-served-")), 0);
    const other = new pg.Client({ connectionString: server.url });
    try {
      await database.exec("CREATE TABLE t (n int)");
      await other.connect();
      await other.query("BEGIN");
      await other.query("INSERT INTO t VALUES ($1)", [1]);
      // The owner's statement waits for the other's transaction: it never runs inside it.
      let ownerSaw: number | undefined;
      const owner = database.query<{ n: number }>("SELECT count(*)::int AS n FROM t").then((rows) => {
        ownerSaw = rows[0]?.n;
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(ownerSaw).toBeUndefined();
      await other.query("COMMIT");
      await owner;
      expect(ownerSaw).toBe(1);

      // Left open and idle: closed and rolled back after 5 s, and the owner goes on.
      other.on("error", () => {});
      await other.query("BEGIN");
      await other.query("INSERT INTO t VALUES ($1)", [2]);
      const started = performance.now();
      const [{ n } = { n: -1 }] = await database.query<{ n: number }>("SELECT count(*)::int AS n FROM t");
      expect(n).toBe(1);
      expect(performance.now() - started).toBeGreaterThan(4_000);
    } finally {
      await other.end().catch(() => {});
      await server.stop();
      await database.close();
    }
  });

  it("concurrent clients' extended-protocol queries and the owner's own: none interleaves", {
    timeout: 60_000,
  }, async () => {
    const database = await openDatabase({ dataDir: "memory://" });
    const server = await serveEmbedded(database, await mkdtemp(join(tmpdir(), "pea-served-")), 0);
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        return client;
      }),
    );
    try {
      await database.exec("CREATE TABLE u (k int, v text)");
      const work = [
        ...clients.map(async (client, c) => {
          for (let i = 0; i < 100; i++) {
            await client.query("INSERT INTO u VALUES ($1, $2)", [c, `v${i}`]);
            const rows = await client.query("SELECT count(*)::int AS n FROM u WHERE k = $1", [c]);
            expect(rows.rows[0].n).toBe(i + 1);
          }
        }),
        (async () => {
          for (let i = 0; i < 100; i++) {
            await database.transaction(async (tx) => {
              await tx.query("INSERT INTO u VALUES ($1, $2)", [99, `owner${i}`]);
              await tx.query("SELECT count(*) FROM u WHERE k = $1", [99]);
            });
          }
        })(),
      ];
      await Promise.all(work);
      const [{ n } = { n: -1 }] = await database.query<{ n: number }>("SELECT count(*)::int AS n FROM u");
      expect(n).toBe(500);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await server.stop();
      await database.close();
    }
  });
});
