import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import * as tables from "./tables.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof tables>;

export type DatabaseKind = "postgres" | "pglite";

/** A live notification subscription; `stop` ends it. */
export interface Subscription {
  stop(): Promise<void>;
}

/** Statements that run on one connection, in order (session-level locks, transactions). */
export interface Session {
  exec(sqlText: string): Promise<void>;
  /**
   * A raw statement: only on the decision path (history, business objects, runs, approvals, the
   * decision log). There drizzle costs: a point read took 182 µs through drizzle against 122 µs
   * raw on Postgres, 310 against 147 µs on PGlite (npm run bench:drizzle, median of 7 × 2,000),
   * next to a decision's ~1 ms. Off that path, use `db`.
   */
  query<Row = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<Row[]>;
  /** Drizzle over the same connection (inside a transaction: the transaction's own). */
  readonly db: Db;
}

/**
 * The rows of a drizzle `sql` statement, for what the query builder does not say (recursive CTEs,
 * `xmax`): both drivers answer `execute` with `{ rows }`.
 */
export async function rowsOf<Row>(session: Session, statement: SQL): Promise<Row[]> {
  return ((await session.db.execute(statement)) as unknown as { rows: Row[] }).rows;
}

/**
 * A session whose drizzle handle is built on first use: a transaction that only runs raw
 * statements (the decision log's) never pays for it.
 */
function lazySession(
  exec: Session["exec"],
  query: <Row>(sqlText: string, params: unknown[]) => Promise<Row[]>,
  makeDb: () => Db,
): Session {
  let db: Db | undefined;
  return {
    exec,
    query: (sqlText, params = []) => query(sqlText, params),
    get db() {
      db ??= makeDb();
      return db;
    },
  };
}

/** A pooled client as a session. */
const clientSession = (client: pg.PoolClient): Session =>
  lazySession(
    async (sqlText) => {
      await client.query(sqlText);
    },
    async <Row>(sqlText: string, params: unknown[]) => (await client.query(sqlText, params)).rows as Row[],
    () => drizzlePg({ client, schema: tables }) as unknown as Db,
  );

export interface Database extends Session {
  kind: DatabaseKind;
  /**
   * False for the embedded store: PGlite has one session, so a NOTIFY caused by a statement from
   * another process (through the socket) reaches that process, not this one's listeners.
   */
  reliableNotifications: boolean;
  /** Run `work` on one dedicated connection. */
  session<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /** Run `work` in one transaction (committed if it resolves, rolled back if it throws). */
  transaction<T>(work: (tx: Session) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  /**
   * Subscribe to a NOTIFY channel. `onLost` fires once if the subscription dies (connection
   * dropped, database closed): from then on nothing more is delivered and the caller must resubscribe.
   */
  listen(channel: string, onPayload: (payload: string) => void, onLost: (error: Error) => void): Promise<Subscription>;
  close(): Promise<void>;
  /** The embedded engine, when this is PGlite (to serve it to other processes). */
  pglite?: PGlite;
}

export type DatabaseTarget = { url: string; embedded?: boolean } | { dataDir: string };

/** How long a Postgres pool waits for the server, so a stalled store cannot hold callers forever. */
export interface StoreTimeouts {
  /** Waiting for a pooled connection, or for a new one to be established (default 5 s). */
  acquireTimeoutMs?: number;
  /** Any one statement, enforced by the server (`statement_timeout`; default none; migrations are exempt). */
  statementTimeoutMs?: number;
}

export async function openDatabase(target: DatabaseTarget, timeouts: StoreTimeouts = {}): Promise<Database> {
  return "url" in target ? openPostgres(target.url, target.embedded === true, timeouts) : openPglite(target.dataDir);
}

async function openPostgres(url: string, embedded: boolean, timeouts: StoreTimeouts): Promise<Database> {
  const reliableNotifications = !embedded;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeouts.acquireTimeoutMs ?? 5_000,
    // Not on the embedded store: its one session is the owner's too, which a session setting would reach.
    ...(timeouts.statementTimeoutMs && !embedded ? { statement_timeout: timeouts.statementTimeoutMs } : {}),
  });
  // An idle client that dies must not crash the process; the next query reports the fault.
  pool.on("error", () => {});
  await pool.query("SELECT 1");
  return {
    kind: "postgres",
    reliableNotifications,
    db: drizzlePg({ client: pool, schema: tables }) as unknown as Db,
    async exec(sqlText) {
      await pool.query(sqlText);
    },
    async query<Row>(sqlText: string, params: unknown[] = []) {
      return (await pool.query(sqlText, params)).rows as Row[];
    },
    async transaction(work, options) {
      const { client, release } = await checkOut(pool);
      try {
        await client.query(options?.readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
        const result = await work(clientSession(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        release();
      }
    },
    async session(work) {
      const { client, release } = await checkOut(pool);
      try {
        return await work(clientSession(client));
      } finally {
        release();
      }
    },
    async listen(channel, onPayload, onLost) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      let lost = false;
      const fail = (error: Error) => {
        if (lost) return;
        lost = true;
        client.removeAllListeners("notification");
        onLost(error);
      };
      client.on("error", fail);
      client.on("end", () => fail(new Error("notification connection ended")));
      client.on("notification", (message) => {
        if (message.channel === channel) onPayload(message.payload ?? "");
      });
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return {
        async stop() {
          lost = true;
          await client.end().catch(() => {});
        },
      };
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * A pooled client for a transaction or session. The pool only watches idle clients: a connection
 * that dies while checked out, between two statements, would emit an unhandled 'error' and kill
 * the process. Here it is caught (the next statement fails with it) and the client is discarded.
 */
async function checkOut(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: () => void }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  return {
    client,
    release: () => {
      client.off("error", onError);
      client.release(broken);
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const pglite = await PGlite.create(dataDir);
  const lostHandlers = new Set<(error: Error) => void>();
  const db = drizzlePglite({ client: pglite, schema: tables }) as unknown as Db;
  const whole: Session = {
    async exec(sqlText) {
      await pglite.exec(sqlText);
    },
    async query<Row>(sqlText: string, params: unknown[] = []) {
      return (await pglite.query<Row>(sqlText, params)).rows;
    },
    db,
  };
  return {
    ...whole,
    // PGlite is a single connection already. (Its runExclusive would deadlock against query.)
    session: (work) => work(whole),
    // PGlite's own transaction holds its transaction lock, keeping other callers' statements out.
    // Drizzle runs on the transaction (it only calls `query`), so its statements join it.
    transaction: (work) =>
      pglite.transaction((tx) =>
        work(
          lazySession(
            async (sqlText) => {
              await tx.exec(sqlText);
            },
            async <Row>(sqlText: string, params: unknown[]) => (await tx.query<Row>(sqlText, params)).rows,
            () => drizzlePglite({ client: tx as unknown as PGlite, schema: tables }) as unknown as Db,
          ),
        ),
      ),
    kind: "pglite",
    reliableNotifications: false,
    pglite,
    async listen(channel, onPayload, onLost) {
      const unsubscribe = await pglite.listen(channel, onPayload);
      lostHandlers.add(onLost);
      return {
        async stop() {
          lostHandlers.delete(onLost);
          if (!pglite.closed) await unsubscribe();
        },
      };
    },
    async close() {
      if (pglite.closed) return;
      await pglite.close();
      const error = new Error("embedded database closed");
      for (const handler of lostHandlers) handler(error);
      lostHandlers.clear();
    },
  };
}
