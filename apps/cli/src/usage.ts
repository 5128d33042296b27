/** Where a command writes: lines for the user, lines for errors. */
export type Out = { log: (line: string) => void; error: (line: string) => void };

/** The command line was not understood: exit 2 with the usage. */
export class UsageError extends Error {}
