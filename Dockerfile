# Tavolo in one image: build the web client with Node, the server (which embeds it) with
# the Rust toolchain, and run on a slim Debian.
FROM node:20-bookworm AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
COPY schema/ /src/schema/
RUN npm run build

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=web /src/web/dist web/dist
RUN cargo build --release --locked -p tavolo

# libssl3: the media server's DTLS and SRTP (str0m on OpenSSL). Calls from outside the
# container need TAVOLO_MEDIA_UDP=0.0.0.0:13478, TAVOLO_MEDIA_PUBLIC_IP and the UDP port
# published (README: Calls).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /data tavolo \
 && mkdir -p /data && chown tavolo /data
COPY --from=build /src/target/release/tavolo /usr/local/bin/tavolo
USER tavolo
ENV TAVOLO_BIND=0.0.0.0:8080 \
    TAVOLO_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
CMD ["tavolo"]
