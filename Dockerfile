# syntax=docker/dockerfile:1
# mikrobill: one binary for every role (serve, worker, migrate, routeros-sim, …).
# Build: docker build -t mikrobill .   Run: see docker-compose.yml.

# --- build ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Cache mounts keep the registry and target dir between builds; the binary is copied out
# of the cached target dir so the next stage can take it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin mikrobill \
    && install -m 0755 target/release/mikrobill /usr/local/bin/mikrobill

# --- runtime -------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin mikrobill
COPY --from=build /usr/local/bin/mikrobill /usr/local/bin/mikrobill
USER mikrobill
ENV MIKROBILL_BIND=0.0.0.0:8080 \
    MIKROBILL_LOG_JSON=1
EXPOSE 8080
# No image-wide HEALTHCHECK: the same image runs workers and one-shot jobs that serve no
# HTTP; docker-compose.yml gives the api service its own.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/mikrobill"]
CMD ["serve", "--no-migrate"]
