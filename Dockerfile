# syntax=docker/dockerfile:1
# The ami-test-resource image: one binary, run by Concourse as
# /opt/resource/{check,in,out} (links; the binary picks its step by the name it
# is run as) and by tasks as `ami-test-resource` (on PATH).
#
#   docker build -t ami-test-resource .

FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
# The whole workspace: Cargo.lock covers tests/kit too, and --locked needs it.
COPY . .
# The release profile (Cargo.toml) is size-tuned: opt-level s, thin LTO, strip.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package ami-test-resource --bin ami-test-resource \
 && cp target/release/ami-test-resource /ami-test-resource

FROM debian:bookworm-slim
# CA certificates for GitHub and AWS over TLS. Workers may mount a corporate
# bundle over /etc/ssl/certs; the binary reads whatever is there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /ami-test-resource /usr/local/bin/ami-test-resource
RUN mkdir -p /opt/resource \
 && ln -s /usr/local/bin/ami-test-resource /opt/resource/check \
 && ln -s /usr/local/bin/ami-test-resource /opt/resource/in \
 && ln -s /usr/local/bin/ami-test-resource /opt/resource/out \
 && /usr/local/bin/ami-test-resource --version
LABEL org.opencontainers.image.title="ami-test-resource" \
      org.opencontainers.image.description="Concourse resource type: tests a Concourse deployment's AMI and carries the verdict between pipelines" \
      org.opencontainers.image.licenses="MIT"
