import { type ParseArgsConfig, parseArgs } from "node:util";

/** Where a command writes: lines for the user, lines for errors. */
export type Out = { log: (line: string) => void; error: (line: string) => void };

/** The command line (or the environment it needs) was not understood: exit 2 with the command's usage. */
export class UsageError extends Error {}

/** parseArgs's own complaints (unknown option, missing value) are usage errors too. */
export const isUsageError = (error: unknown): boolean =>
  error instanceof UsageError || ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ?? false);

type FlagSpecs = NonNullable<ParseArgsConfig["options"]>;

// Named through parseArgs itself: the declaration build cannot name node:util's own result types.
type Flags<O extends FlagSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true }>>["values"];
type CommandLine<O extends FlagSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/** A command's flags, read strictly (an unknown flag is a usage error); it takes no operands. */
export const readFlags = <O extends FlagSpecs>(args: string[], options: O): Flags<O> =>
  parseArgs({ args, options, strict: true }).values;

/** A command's flags and operands (e.g. a policy directory), read strictly. */
export const readCommandLine = <O extends FlagSpecs>(args: string[], options: O): CommandLine<O> =>
  parseArgs({ args, options, strict: true, allowPositionals: true });
