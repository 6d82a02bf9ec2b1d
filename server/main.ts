// The process entry: read the configuration, start the server, and leave cleanly on SIGTERM.
import { ConfigError, loadConfig } from "./config.ts";
import { createApp } from "./app.config.ts";

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

const { server, ctx } = createApp(config);
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
server.onShutdown(() => ctx.logger.info("bye"));

await server.listen(config.PORT, config.HOST);
ctx.logger.info({ port: config.PORT, host: config.HOST }, `Container City is listening on http://localhost:${config.PORT}`);
