/** Structured JSON logs. Child loggers carry the class code and role on every line. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  // Synchronous writes: Colyseus exits the process right after shutdown, and an asynchronous
  // logger could lose or reorder the last lines. Log volume is low enough not to matter.
  return pino({
    level,
    base: { service: "container-city" },
    // Keys and tokens never reach a log line, even if someone logs a whole options object.
    redact: { paths: ["*.teacherKey", "*.displayKey", "*.rejoinToken", "teacherKey", "displayKey", "rejoinToken"], censor: "[redacted]" },
  }, pino.destination({ dest: 1, sync: true }));
}
