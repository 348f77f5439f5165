# The ami-test-resource image: one binary, run by Concourse as
# /opt/resource/{check,in,out} (links; the binary picks its step by the name it
# is run as) and by tasks as `ami-test-resource` (on PATH).
#
#   bin/image                          # build, measure and smoke-test (docker or podman, online or offline)
#   docker build -t ami-test-resource .
#
# Targets: `minimal` (the default, last) holds only the binary, its shared
# libraries, the CA bundle and passwd/group; `slim` is the same on
# debian:bookworm-slim. BENCHMARKS.md ("The image") compares them.
# No `# syntax=` line: the frontend built into BuildKit (Docker 23+) has all this
# file uses, and an air-gapped builder could not pull docker/dockerfile.

FROM docker.io/library/rust:1.95-slim-bookworm AS builder
WORKDIR /src
# The whole workspace: Cargo.lock covers tests/kit too, and --locked needs it.
COPY . .
# The release profile (Cargo.toml) is size-tuned: opt-level s, thin LTO, strip.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package ami-test-resource --bin ami-test-resource \
 && cp target/release/ami-test-resource /ami-test-resource

FROM docker.io/library/debian:bookworm-slim AS slim
# CA certificates for GitHub and AWS over TLS. Workers may mount a corporate
# bundle over /etc/ssl/certs; the binary reads whatever is there.
# DL3008 (pin apt versions) is ignored: bookworm's archive keeps only the newest
# version of a package, so a pin breaks the build at the next security update;
# the base image's tag fixes the release, and the newest CA list is the point.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=builder /ami-test-resource /usr/local/bin/ami-test-resource
RUN mkdir -p /opt/resource \
 && ln -s /usr/local/bin/ami-test-resource /opt/resource/check \
 && ln -s /usr/local/bin/ami-test-resource /opt/resource/in \
 && ln -s /usr/local/bin/ami-test-resource /opt/resource/out \
 && /usr/local/bin/ami-test-resource --version

# What `minimal` keeps of `slim`, under /rootfs: the binary and its links, the
# libraries ldd resolves for it (glibc's DNS lookup is built into libc.so.6
# since 2.34), the CA bundle, root in passwd/group (runtimes look the user up),
# and the dpkg records of the packages those files come from, in status.d/ where
# image scanners look for them in distroless images (glibc's and the CA list's
# versions).
FROM slim AS minimal-rootfs
# No pipes (/bin/sh is dash, without pipefail): each step's failure stops the build.
RUN r=/rootfs \
 && mkdir -p "$r/etc/ssl/certs" "$r/tmp" "$r/var/lib/dpkg/status.d" \
 && chmod 1777 "$r/tmp" \
 && cp -a --parents /usr/local/bin/ami-test-resource /opt/resource "$r" \
 && cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/" \
 && ldd /usr/local/bin/ami-test-resource > /tmp/ldd \
 && awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }' /tmp/ldd > /tmp/libs \
 && xargs -a /tmp/libs cp -L --parents -t "$r" \
 && xargs -a /tmp/libs dpkg -S > /tmp/owners \
 && for pkg in ca-certificates $(awk -F: '!seen[$1]++ { print $1 }' /tmp/owners); do \
      dpkg-query -s "$pkg" > "$r/var/lib/dpkg/status.d/$pkg"; \
    done \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$r/etc/passwd" \
 && printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group" \
 && printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"

FROM scratch AS minimal
COPY --from=minimal-rootfs /rootfs/ /
# Tasks run `ami-test-resource …` by name; Concourse resolves it with the image's PATH.
ENV PATH=/usr/local/bin
# The exec form needs no shell: the binary runs on the libraries copied above.
RUN ["/usr/local/bin/ami-test-resource", "--version"]
LABEL org.opencontainers.image.title="ami-test-resource" \
      org.opencontainers.image.description="Concourse resource type: tests a Concourse deployment's AMI and carries the verdict between pipelines" \
      org.opencontainers.image.licenses="MIT"
