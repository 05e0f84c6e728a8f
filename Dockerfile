# streamvault: the backup daemon (default) or a restore, as a container.
#   docker build -t streamvault .
#   docker run --env-file streamvault.env -v streamvault-state:/var/lib/streamvault -p 9464:9464 streamvault
#   docker run --env-file streamvault.env -v streamvault-state:/var/lib/streamvault streamvault restore --dry-run

# --- build: all dependencies, compile TypeScript -------------------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.json

# --- runtime: production dependencies and the compiled daemon only ------------------------------
FROM node:24-slim AS runtime
# kafkajs 2.2.4 sets a timer from a negative delay (tulios/kafkajs#1751); Node 24 then prints a
# harmless TimeoutNegativeWarning line that is not JSON. Silence that one warning only.
ENV NODE_ENV=production \
    NODE_OPTIONS=--disable-warning=TimeoutNegativeWarning \
    STREAMVAULT_STATE_DIR=/var/lib/streamvault \
    STREAMVAULT_METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src

# The file cache (stream journals, restore cursors) must survive restarts: mount a volume here.
RUN mkdir -p /var/lib/streamvault && chown node:node /var/lib/streamvault
# `node` (uid 1000) comes with the base image.
USER node
VOLUME ["/var/lib/streamvault"]
EXPOSE 9464

# Liveness of the backup daemon's health server. The same image runs restores, which serve no
# health endpoint: healthcheck.js reads what PID 1 runs (/proc/1/cmdline, through docker-init or
# tini with `docker run --init`; STREAMVAULT_MODE when no command is given) and probes /healthz
# only for `backup`, passing for anything else (`docker inspect` shows which it did and why).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/dist/src/healthcheck.js"]

# Give the ordered shutdown time: `docker stop -t 60` (the default 10 s is shorter than the
# default STREAMVAULT_SHUTDOWN_GRACE_SECONDS of 25 s plus the event flush).
STOPSIGNAL SIGTERM
# --max-semi-space-size=2 (MB): V8's young generation is otherwise sized for throughput (Node 24
# let a backup catch-up peak at 356-371 MB RSS, 253 MB with it; Node 20 at 266-269 MB, 227 MB),
# with no slower catch-up measured (README, Performance). A node flag here, not in NODE_OPTIONS, so
# an operator's own NODE_OPTIONS (a heap limit, say) adds to it instead of replacing it.
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/src/cli.js"]
# No default arguments on purpose: with none, the CLI runs the command STREAMVAULT_MODE names,
# `backup` unless set, so `-e STREAMVAULT_MODE=restore` turns the same container into a restore.
# A fixed CMD ["backup"] would always win over that variable. Arguments still choose explicitly.
CMD []
