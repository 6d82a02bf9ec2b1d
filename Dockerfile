# syntax=docker/dockerfile:1
# Container City: the classroom server (and, once it exists, the Phaser client it serves).
# test/ops/compose-file.test.ts checks this file against the code: paths, port, user, health route.

# --- build: every dependency, so the client build (Vite, a dev dependency) can run -------------
FROM node:24-slim AS build
WORKDIR /app
# The lockfile alone first: this layer (the slow one) is reused until the dependencies change.
COPY package.json package-lock.json ./
# The same install as .ci/run, so the image builds from exactly what CI tested.
RUN npm ci --no-audit --no-fund
COPY . .
# --if-present: the client build script does not exist yet and the image must build meanwhile.
# mkdir: the runtime stage copies client/dist unconditionally, so it must exist even when empty
# (the server serves it only if present, and an empty directory just serves nothing).
RUN npm run build --if-present && mkdir -p client/dist

# --- runtime: production dependencies and the files the server reads, nothing else ---------------
FROM node:24-slim AS runtime
# STORE_PATH: the class store (SQLite), in the one directory the server may write (see below).
ENV NODE_ENV=production PORT=2567 HOST=0.0.0.0 STORE_PATH=/app/data/container-city.db
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the only install scripts in the production tree are the `node` package's
# (a second 120 MB Node 24 binary, redundant with this image's) and msgpackr-extract's (an optional
# native speed-up the project already refuses in package.json's allowScripts).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# Node strips the types at run time, so the server ships as its .ts sources.
COPY server ./server
COPY shared ./shared
COPY --from=build /app/client/dist ./client/dist
# Files stay owned by root: the server process can read its code but not rewrite it. The one
# exception is data/, the class store: mount a volume there (docker-compose.yml does) so classes,
# their resume points and reports outlive the container. A named volume starts with this owner.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 2567
# Node's own SIGTERM handler (Colyseus) closes the classes and exits 0; made explicit because
# server/main.ts relies on it.
STOPSIGNAL SIGTERM
# Slim images have no curl: the image's own node asks /healthz (liveness, not readiness).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||2567)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# The image's node (24, as package.json's engines require), started directly: `npm start` is the
# terminal demo, and an npm wrapper would only stand between Docker's SIGTERM and the server.
CMD ["node", "server/main.ts"]
