# syntax=docker/dockerfile:1
#
# Suggested Sync container images. Two targets from one build:
#   runtime (the default, the last stage): the production image, without the Jira and Linear emulators or graphql.
#     docker build -t suggested-sync .
#     docker run --rm -p 3000:3000 --env-file .env suggested-sync            # start: API + workers
#     docker run --rm --env-file .env suggested-sync migrate|api|worker|doctor
#   sandbox: the same service plus the emulators (packages/emulators), in development mode.
#     docker build --target sandbox -t suggested-sync:sandbox .
# docker-compose.yml runs them with Postgres and Redis: profile sandbox (the sandbox target, `start` with the
# emulators) or production (the runtime target: migrate, then api and worker).

# ---- build: compile TypeScript to dist/ ------------------------------------------------------------------------
FROM node:24-slim AS build
WORKDIR /app

# Manifests first so the dependency layer is cached until they change. The emulators are an npm workspace: the
# lockfile names it, so its manifest comes along.
COPY package.json package-lock.json ./
COPY packages/emulators/package.json ./packages/emulators/
# Full install (devDependencies included: typescript is needed to compile). The `node` devDependency downloads
# its own Node 24 binary into node_modules/.bin, which npm scripts then prefer; harmless here (same major) and
# this stage is thrown away.
RUN npm ci

COPY tsconfig*.json ./
COPY src ./src
COPY bin ./bin
# tsc -p tsconfig.build.json, then copies src/store/migrations (SQL + drizzle meta) into dist/store/migrations and
# the pages' templates and the console's assets (src/http/views/templates, assets) into dist/http/views, which the
# compiled views.js and assets.js read at run time.
# src/ only: the emulators' package is loaded by name in sandbox mode and is never compiled into dist/.
RUN npm run build

# ---- service: what both images share ---------------------------------------------------------------------------
FROM node:24-slim AS service
WORKDIR /app

# Application files stay root-owned (read-only to the service); only DATA_DIR is writable by the `node` user
# (uid 1000, shipped with the image). DATA_DIR holds the embedded PGlite database for `start` without
# DATABASE_URL: mount a volume on /app/data to keep it across containers.
RUN mkdir -p /app/data && chown node:node /app/data
# HOST: every interface, so the published port reaches the service; outside a container the development default
# is loopback only (the dev outbox at /dev/mail has no login).
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena, and V8's compiler threads leave
# tens of MB in theirs after compiling PGlite's WASM; two arenas keep that memory shared (docs/development.md,
# "Memory"). The npm scripts and the installed command's first line set it too.
ENV DATA_DIR=/app/data \
    PORT=3000 \
    HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=2

EXPOSE 3000

# slim images have no curl/wget: ask Node itself (global fetch). /healthz is served by every long-running role
# (start, api, and worker, which serves only /healthz, /readyz and /metrics). start-period covers migrations and
# the wait for Redis (up to 10 s) before the port opens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM directly; the service then drains jobs for up to 25 s
# (workers.shutdownTimeoutMs), so give `docker stop` a longer timeout (compose: stop_grace_period 30s).
# --max-semi-space-size=8 caps V8's young generation at 8 MB a half (it would grow to 64 MB a half while the
# modules load and keep it): about 100 MB less resident memory per process (docs/development.md, "Memory").
ENTRYPOINT ["node", "--max-semi-space-size=8", "bin/suggested-sync.js"]
CMD ["start"]

# ---- sandbox: the service with the Jira and Linear emulators ---------------------------------------------------
FROM service AS sandbox
# Development mode: with no tracker configured, `start` runs the emulators in its process (sandbox mode).
ENV NODE_ENV=development

COPY package.json package-lock.json ./
COPY packages/emulators/package.json ./packages/emulators/
# Production dependencies plus the emulators' workspace and its own (graphql, a peer dependency npm installs).
# --ignore-scripts: see the runtime stage.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
# TypeScript as written: the image's Node 24 strips the types when the service loads the package.
COPY packages/emulators ./packages/emulators

COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
USER node

# ---- runtime: production dependencies + compiled output only ---------------------------------------------------
FROM service AS runtime
# config/load.ts then requires a tracker, API_KEYS, ADMIN_TOKEN, PUBLIC_URL and SMTP_URL/MAIL_FROM at start.
ENV NODE_ENV=production

COPY package.json package-lock.json ./
# --omit=dev drops typescript, vitest, biome... and the `node` devDependency: the image's own Node 24 runs the
# service. --workspaces=false leaves out the emulators' workspace (packages/emulators is not copied in), and
# --omit=peer graphql, which only the emulators use (elsewhere it is a peer of a types-only package of
# @linear/sdk). test/compose.test.ts checks, from the lockfile, that this installs neither.
# --ignore-scripts: no production dependency needs an install script (msgpackr-extract, optional, loads its
# prebuilt @msgpackr-extract/* binary without one, and msgpackr falls back to pure JS anyway).
RUN npm ci --omit=dev --omit=peer --workspaces=false --ignore-scripts && npm cache clean --force

# main.ts reads ../package.json (the version) relative to dist/main.js, i.e. /app/package.json copied above.
COPY --from=build /app/dist ./dist
# bin/suggested-sync.js runs dist/main.js when it exists (it does here), else src/main.ts (not shipped).
COPY --from=build /app/bin ./bin
USER node
