# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# The runtime image. test/process/gateway-process.e2e-spec.ts reads this stage (WORKDIR, ENV, VOLUME,
# USER, HEALTHCHECK, CMD) and starts the build output laid out the same way as an unprivileged user.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# /app stays root-owned; the audit store's default (DATABASE_URL=sqlite:./data/gateway.db) is the one
# place the runtime user writes. A new volume mounted here starts with this owner.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000
# Liveness, not readiness: Docker (and Swarm, which restarts unhealthy tasks) should act on a wedged
# process, not on an OSS or database outage that restarting the gateway cannot fix (/health/ready
# reports those, for load balancers and orchestrators' readiness probes).
HEALTHCHECK --start-period=30s --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--max-semi-space-size=32", "dist/main.js"]
