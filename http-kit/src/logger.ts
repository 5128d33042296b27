import pino, { type Logger } from "pino";

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    // Secrets and artifacts never reach the log whole.
    redact: { paths: ["req.headers.authorization", "*.artifact", "*.key", "*.apiKey"], censor: "[redacted]" },
  });
}
