# One image for both production roles:
#   api    (default)  node dist/src/api.js     webhook, admin API, inbox redelivery; port 3000
#   worker            node dist/src/worker.js  Temporal workflows and activities; no port
# docker-compose.yml runs both against PostgreSQL and a Temporal server.

# ---- build: install everything, compile, then drop the dev dependencies ----
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency install scripts run (package.json `allowScripts` denies them; none is needed:
# native modules ship prebuilt binaries).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: compiled code and production dependencies only, as the non-root `node` user ----
FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# DATA_DIR (./.data) is only written without DATABASE_URL (embedded database and generated keys).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
CMD ["node", "dist/src/api.js"]
