// How a service's main starts and stops: the same for every app that serves HTTP.

/** Start a service, or say on stderr why it cannot and exit 1 (a half-started service serves nothing). */
export async function startOrExit<T>(name: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    console.error(`${name}: cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
}

/**
 * On the first SIGINT or SIGTERM, run `close` (once, however many signals follow: a second Ctrl-C
 * must not close twice) and exit 0.
 */
export function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, async () => {
      if (closing) return;
      closing = true;
      await close();
      process.exit(0);
    });
  }
}
