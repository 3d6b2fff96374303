# The sipedge node image (docker-compose.yml: node-a, node-b).
# Build stage: Debian 12 with exactly the build packages scripts/install-deps
# installs (`--build-only`), then the two binaries. Runtime stage: Debian 12
# with the shared libraries they link, iproute2 (`ip addr` for the VIP) and
# iputils-arping (the gratuitous ARP of the default takeover command).
#   docker build -t sipedge .          (or: docker-compose build)
#   docker run --cap-add NET_ADMIN -v $PWD/conf/cluster/node-a:/etc/sipedge:ro sipedge
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps --build-only && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build -j"$(nproc)" --target sipedge sipedge-cli \
 && strip /build/bin/sipedge /build/bin/sipedge-cli

FROM debian:12
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsofia-sip-ua0 libpqxx-6.4 libpq5 libspdlog1.10 libfmt9 libpugixml1v5 \
      iproute2 iputils-arping procps \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/sipedge /build/bin/sipedge-cli /usr/local/bin/
COPY migrations /usr/share/sipedge/migrations
# The binary's built-in default is the source tree of the build stage.
ENV SIPEDGE_MIGRATIONS_DIR=/usr/share/sipedge/migrations
# SIP on the profiles of the sample cluster conf; 8021 (event socket) stays on loopback.
EXPOSE 5060/udp 5060/tcp 5080/udp 5080/tcp
# SIGTERM (docker stop) is a clean stop: the active releases its lease at once.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/sipedge"]
# Mount a conf directory here, or give another --conf (docker-compose.yml does).
CMD ["--conf", "/etc/sipedge"]
