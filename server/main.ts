// The process entry: read the configuration, start the server, bring back the classes a restart
// interrupted, and leave cleanly on SIGTERM (the classes are saved to be resumed, not ended).
import { ConfigError, loadConfig } from "./config.ts";
import { createApp } from "./app.config.ts";
import { describeScale } from "./scale.ts";
import { redactUrl } from "./secrets.ts";
import { describeStore } from "./store/index.ts";

const HARD_EXIT_MS = 10_000;

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

let app;
try {
  app = createApp(config);
} catch (err) {
  // Most likely the class store: a STORE_PATH that cannot be created, opened or migrated.
  console.error(`Could not start (STORE_PATH=${config.STORE_PATH}): ${(err as Error).message}`);
  process.exit(1);
}
const { server, ctx } = app;
server.onBeforeShutdown(async () => {
  // Stop being ready first and stay up a moment, so a load balancer sees /readyz fail and sends no
  // new class here before the rooms close.
  ctx.shuttingDown = true;
  ctx.logger.info("shutting down");
  setTimeout(() => {
    ctx.logger.error("shutdown took too long; exiting");
    process.exit(1);
  }, HARD_EXIT_MS).unref();
  await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS));
});
server.onShutdown(async () => {
  // The rooms have saved and closed by now: the store can close.
  await app.close();
  ctx.logger.info("bye");
});

await server.listen(config.PORT, config.HOST);
ctx.logger.info({ port: config.PORT, host: config.HOST, store: describeStore(config, redactUrl), ...describeScale(config) }, `Container City is listening on http://localhost:${config.PORT}`);
try {
  await app.resumeClasses();
} catch (err) {
  // New classes can still be created: a store that cannot list its classes must not keep a school out.
  ctx.logger.error({ err }, "could not resume the classes in the store");
}
