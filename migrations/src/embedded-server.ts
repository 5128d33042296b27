import { createServer, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/**
 * PGlite is one session. Other processes (the admin app, the CLI, a second PDP) reach it over the
 * Postgres protocol, and their statements must never interleave with the owner's or each other's:
 * a Parse from one and a Bind from another ("unnamed prepared statement does not exist"), or the
 * owner's INSERT inside another process's read-only transaction. So each connection is served whole
 * exchanges (every message up to its Sync, or one simple Query) while holding the engine's
 * transaction lock, which every statement and transaction of the owner takes too; a connection
 * that leaves a transaction open keeps the lock until it ends it, like a row lock on Postgres. A
 * connection idle inside its transaction for `idleInTransactionMs` is closed and rolled back.
 */
export interface ExchangeServerOptions {
  host: string;
  port: number;
  maxConnections?: number;
  idleInTransactionMs?: number;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
// Messages that end an exchange: Sync, a simple Query, Terminate.
const EXCHANGE_ENDS = new Set(["S", "Q", "X"].map((c) => c.charCodeAt(0)));
const TERMINATE = "X".charCodeAt(0);

/** A simple-protocol Query message. */
function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, "utf8");
  const message = Buffer.alloc(5 + text.length);
  message.write("Q", 0, "latin1");
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** Take the engine's transaction lock; resolves with its release once held. */
function takeLock(pglite: PGlite): Promise<() => void> {
  return new Promise((taken) => {
    void pglite._runExclusiveTransaction(() => new Promise<void>((release) => taken(release)));
  });
}

export interface ExchangeServer {
  port: number;
  /** Stop listening and close every connection (their open transactions are rolled back). */
  close(): Promise<void>;
}

export async function serveExchanges(pglite: PGlite, options: ExchangeServerOptions): Promise<ExchangeServer> {
  const idleInTransactionMs = options.idleInTransactionMs ?? 5_000;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serveConnection(pglite, socket, idleInTransactionMs);
  });
  server.maxConnections = options.maxConnections ?? 16;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function serveConnection(pglite: PGlite, socket: Socket, idleInTransactionMs: number): void {
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let started = false;
  let exchange: Uint8Array[] = [];
  let closed = false;
  // This connection's exchanges, one after another; the lock while its transaction is open.
  let turn: Promise<void> = Promise.resolve();
  let held: (() => void) | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  const release = () => {
    held?.();
    held = undefined;
  };
  const end = async () => {
    clearTimeout(idleTimer);
    if (held) {
      // Whatever it left open is rolled back before anyone else gets the engine.
      if (pglite.isInTransaction()) {
        await pglite._runExclusiveQuery(() => pglite.execProtocolRaw(queryMessage("ROLLBACK"))).catch(() => {});
      }
      release();
    }
  };
  const close = () => {
    if (closed) return;
    closed = true;
    socket.destroy();
    turn = turn.then(end);
  };

  const run = async (messages: Uint8Array[]) => {
    if (closed) return;
    clearTimeout(idleTimer);
    if (messages.length === 1 && messages[0]?.[0] === TERMINATE) return close();
    held ??= await takeLock(pglite);
    try {
      await pglite._runExclusiveQuery(async () => {
        for (const message of messages) {
          await pglite.execProtocolRawStream(message, {
            onRawData: (data) => {
              if (!closed && data.length > 0) socket.write(data);
            },
          });
        }
      });
    } catch {
      return close();
    }
    if (!pglite.isInTransaction()) release();
    else idleTimer = setTimeout(close, idleInTransactionMs);
  };
  const submit = (messages: Uint8Array[]) => {
    turn = turn.then(() => run(messages));
  };

  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      if (!started) {
        // Untyped: SSL/GSS negotiation (refused), cancel (unsupported), then the startup message.
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST) return close();
        started = true;
        submit([message]);
        continue;
      }
      if (buffered.length < 5) return;
      const length = 1 + buffered.readInt32BE(1);
      if (buffered.length < length) return;
      const type = buffered[0] as number;
      exchange.push(buffered.subarray(0, length));
      buffered = buffered.subarray(length);
      if (EXCHANGE_ENDS.has(type)) {
        submit(exchange);
        exchange = [];
      }
    }
  });
  socket.on("error", close);
  socket.on("close", close);
}
