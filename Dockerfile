# Image for the gateway and the simulators (docker-compose.yml picks the command).
# TypeScript runs through tsx, a dev dependency, so install everything: plain `npm ci`, not --omit=dev.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY gateway ./gateway
COPY processor ./processor
COPY simulators ./simulators

# DATA_DIR: dead letters and other state the gateway keeps on disk (a volume in docker-compose.yml)
RUN mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data
USER node

# MQTT (embedded broker) and HTTP; docker-compose.yml publishes them on the host's loopback only
EXPOSE 1884 8080
CMD ["npx", "tsx", "gateway/main.ts"]
