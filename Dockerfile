# PEA's services as one image (not built or pulled on the development machines: no registry
# access there; see "Deploy" in the README). Build: docker build -t pea .
# Run the PDP:   docker run -e DATABASE_URL=… -p 8700:8700 pea
# The admin app: docker run -e DATABASE_URL=… -p 8701:8701 pea node apps/admin/dist/main.js
# The MCP gateway: docker run -e PEA_MCP_TOOLS=… -e PEA_MCP_API_KEY=… -e PEA_MCP_PDP_URL=… -p 8702:8702 pea node apps/mcp-gateway/dist/main.js

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production PEA_HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /src/package.json /src/package-lock.json ./
COPY --from=build --chown=node:node /src/node_modules ./node_modules
COPY --from=build --chown=node:node /src/schemas ./schemas
COPY --from=build --chown=node:node /src/migrations ./migrations
COPY --from=build --chown=node:node /src/policy-store ./policy-store
COPY --from=build --chown=node:node /src/http-kit ./http-kit
COPY --from=build --chown=node:node /src/verifier ./verifier
COPY --from=build --chown=node:node /src/client ./client
COPY --from=build --chown=node:node /src/apps ./apps
USER node
EXPOSE 8700 8701 8702
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PEA_PDP_PORT||8700)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--no-turbo-inlining", "apps/pdp/dist/main.js"]
