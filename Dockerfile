# syntax=docker/dockerfile:1
# Image for the gateway and the simulators (docker-compose.yml picks the command): compiled JavaScript
# (npm run build → dist/) on production dependencies only; TypeScript, tsx, vitest and node-red stay out.
#
# Node 22: the oldest major that satisfies the "engines" of every production dependency
# (cookie 2, required by fastify → light-my-request, declares node >=22; the rest accept 20).
ARG NODE_IMAGE=node:22-bookworm-slim

# Native modules (better-sqlite3, @serialport/bindings-cpp) use a prebuilt binary when one fits and
# compile otherwise: both install stages carry the toolchain for the second case.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# production dependencies only, as the runtime stage gets them
FROM toolchain AS deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# every dependency, to compile TypeScript
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gateway ./gateway
COPY processor ./processor
COPY simulators ./simulators
# the demo's private influxd launcher, imported by simulators/demo.ts (see .dockerignore)
COPY test/helpers/influx.ts test/helpers/influxd.ts ./test/helpers/
# tsc into dist/, plus the files read at run time (gateway/registry/park.yaml)
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# DATA_DIR: spool, tickets database, dead letters and logs (a volume in docker-compose.yml)
RUN mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data
USER node

# MQTT (embedded broker) and HTTP; docker-compose.yml publishes them on the host's loopback only
EXPOSE 1884 8080
# liveness: GET /healthz answers while the process runs (readiness is /readyz)
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HTTP_PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/gateway/main.js"]
