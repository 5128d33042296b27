import { z } from "zod";

export const CliConfig = z.object({
  DATABASE_URL: z.string().url().optional(),
  PEA_DATA_DIR: z.string().default("./.pea"),
});
export type CliConfig = z.infer<typeof CliConfig>;
