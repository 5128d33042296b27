import { z } from "zod";

/** The test run's environment, parsed once: DATABASE_URL selects Postgres, else PGlite. */
export const testEnv = z.object({ DATABASE_URL: z.string().url().optional() }).parse(process.env);

export const storeKind = testEnv.DATABASE_URL ? "postgres" : "pglite";
