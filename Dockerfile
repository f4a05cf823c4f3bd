# syntax=docker/dockerfile:1
#
# Suggested Sync container image.
#   docker build -t suggested-sync .
#   docker run --rm -p 3000:3000 --env-file .env suggested-sync            # start: API + workers
#   docker run --rm --env-file .env suggested-sync migrate|api|worker|doctor
# docker-compose.yml runs it with Postgres and Redis: profile sandbox (`start` with the emulators) or production
# (migrate, then api and worker).

# ---- build: compile TypeScript to dist/ ------------------------------------------------------------------------
FROM node:24-slim AS build
WORKDIR /app

# Manifests first so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
# Full install (devDependencies included: typescript is needed to compile). The `node` devDependency downloads
# its own Node 24 binary into node_modules/.bin, which npm scripts then prefer; harmless here (same major) and
# this stage is thrown away.
RUN npm ci

COPY tsconfig*.json ./
COPY src ./src
COPY bin ./bin
# tsc -p tsconfig.build.json, then copies src/store/migrations (SQL + drizzle meta) into dist/store/migrations.
RUN npm run build

# ---- runtime: production dependencies + compiled output only ---------------------------------------------------
FROM node:24-slim AS runtime
# config/load.ts then requires a tracker, API_KEYS, ADMIN_TOKEN, PUBLIC_URL and SMTP_URL/MAIL_FROM at start.
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
# --omit=dev drops typescript, vitest, biome... and the `node` devDependency: the image's own Node 24 runs the
# service. --ignore-scripts: no production dependency needs an install script (msgpackr-extract, optional, loads
# its prebuilt @msgpackr-extract/* binary without one, and msgpackr falls back to pure JS anyway).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# main.ts reads ../package.json (the version) relative to dist/main.js, i.e. /app/package.json copied above.
COPY --from=build /app/dist ./dist
# bin/suggested-sync.js runs dist/main.js when it exists (it does here), else src/main.ts (not shipped).
COPY --from=build /app/bin ./bin

# Application files stay root-owned (read-only to the service); only DATA_DIR is writable by the `node` user
# (uid 1000, shipped with the image). DATA_DIR holds the embedded PGlite database for `start` without
# DATABASE_URL: mount a volume on /app/data to keep it across containers.
RUN mkdir -p /app/data && chown node:node /app/data
# HOST: every interface, so the published port reaches the service; outside a container the development default
# is loopback only (the dev outbox at /dev/mail has no login). The sandbox profile runs in development mode too.
ENV DATA_DIR=/app/data \
    PORT=3000 \
    HOST=0.0.0.0
USER node

EXPOSE 3000

# slim images have no curl/wget: ask Node itself (global fetch). /healthz is served by every long-running role
# (start, api, and worker, which serves only /healthz, /readyz and /metrics). start-period covers migrations and
# the wait for Redis (up to 10 s) before the port opens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM directly; the service then drains jobs for up to 25 s
# (workers.shutdownTimeoutMs), so give `docker stop` a longer timeout (compose: stop_grace_period 30s).
ENTRYPOINT ["node", "bin/suggested-sync.js"]
CMD ["start"]
