/** Where a command writes: lines for the user, lines for errors. */
export type Out = { log: (line: string) => void; error: (line: string) => void };

/** The command line (or the environment it needs) was not understood: exit 2 with the command's usage. */
export class UsageError extends Error {}

/** parseArgs's own complaints (unknown option, missing value) are usage errors too. */
export const isUsageError = (error: unknown): boolean =>
  error instanceof UsageError || ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ?? false);
