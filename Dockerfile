# syntax=docker/dockerfile:1
# One image for every Node service of the pipeline (the last stage, runtime);
# docker-compose.yaml picks the entry point per service (api, consumer, workers, admin, kafka-init):
#   node dist/producers/main.js        API, port 5000
#   node dist/consumer/main.js         Kafka -> MongoDB sink, health on 1111
#   node dist/workers/main.js          BullMQ worker, health on 3001
#   node dist/admin/server/main.js     live page and BullMQ dashboard, port 3000
#   node dist/scripts/ensure-topics.js creates the topics, then exits
#
# Node 20 (package.json engines: >=20.19), Debian bookworm slim, pinned.
# test/compose/compose.test.ts checks that the build stage runs the same
# commands as CI (`npm ci`, `npm run build`).

# ---- build: all dependencies, TypeScript -> dist/
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- smoke: `npm run smoke` (smoke/main.ts), the chart's `helm test` Pod
# (deploy/charts/kafka-pipeline/templates/tests/smoke-pod.yaml). The build stage
# as it is: the sources and every dependency (tsx runs the TypeScript). Built
# only when asked for (--target smoke); never a service.
FROM build AS smoke
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "smoke/main.ts"]

# ---- runtime: production dependencies and the compiled code only
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The official image's unprivileged user (uid 1000).
USER node
# Every service serves /healthz; compose sets HEALTHCHECK_URL to the service's own port.
ENV HEALTHCHECK_URL=http://127.0.0.1:5000/healthz
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then((r) => process.exit(Number(!r.ok)), () => process.exit(1))"]
EXPOSE 5000
CMD ["node", "--max-semi-space-size=64", "dist/producers/main.js"]
