/** What every room of a server process shares: its configuration, logger, metrics and class store. */
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Lesson } from "../shared/lessons/index.ts";
import type { ClassStore } from "./store/types.ts";

export interface ServerContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Presence set holding every open class code, so codes stay unique across processes. */
  codeSetKey: string;
  shuttingDown: boolean;
  /** Built-in lessons by id. */
  lessons: Map<string, Lesson>;
  /** Where classes are recorded: what survives a restart, and what reports are built from. */
  store: ClassStore;
  /** False with STORE_PATH=":memory:": nothing outlives the process, so nothing is promised to come back. */
  persistent: boolean;
}
