# ServiHub Chat node: the widget built in a node stage, the binary in a Rust stage, and a small
# Debian runtime that runs as an unprivileged user. Migrations are embedded in the binary and
# applied on start (concurrent starts are safe: sqlx takes an advisory lock).
# No `# syntax=` line on purpose: the built-in BuildKit frontend supports everything used here
# (`RUN --mount=type=cache`, `COPY --from=<image>`), and naming a frontend image makes every
# build fetch it from a registry.

# ---- widget bundle (served by the node at /widget/*) ----
FROM node:20-bookworm-slim AS widget
WORKDIR /src/widget
COPY widget/package.json widget/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY widget/ ./
RUN npm run build

# ---- node binary ----
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin servihub-chat \
    && cp target/release/servihub-chat /usr/local/bin/servihub-chat

# ---- runtime ----
FROM debian:bookworm-slim
# wget for the HEALTHCHECK only: a static busybox is ~1 MB where curl and its libraries are ~10.
COPY --from=busybox:1.36-musl /bin/busybox /usr/local/bin/wget
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin chat
WORKDIR /app
COPY --from=build /usr/local/bin/servihub-chat /usr/local/bin/servihub-chat
COPY --from=widget /src/widget/dist /app/widget/dist
COPY --from=widget /src/widget/demo /app/widget/demo
ENV HOST=0.0.0.0 \
    PORT=3000 \
    WIDGET_DIR=/app/widget \
    LOG_FORMAT=json
USER chat
EXPOSE 3000
# SIGTERM drains: stop accepting, close sockets with 1001, flush the write batch, leave presence.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD wget -q -O /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
ENTRYPOINT ["servihub-chat"]
CMD ["serve"]
