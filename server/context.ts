/** What every room of a server process shares: its configuration, logger and metrics. */
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Lesson } from "../shared/lessons/index.ts";

export interface ServerContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Presence set holding every open class code, so codes stay unique across processes. */
  codeSetKey: string;
  shuttingDown: boolean;
  /** Built-in lessons by id. */
  lessons: Map<string, Lesson>;
}
