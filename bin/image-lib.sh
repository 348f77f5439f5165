# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # globals shared with bin/image: it sets root, tag, work, runs, offline, binary and reads engine*, build_cmd
# Functions of bin/image (sourced): the engine, the bases, the binary, the build.

# Each line carries the time since bin/image started (bin/image-base inherits
# the start), so a CI log shows what each step costs.
export AMI_TEST_RESOURCE_IMAGE_T0="${AMI_TEST_RESOURCE_IMAGE_T0:-$(date +%s)}"
say() {
  local t=$(($(date +%s) - AMI_TEST_RESOURCE_IMAGE_T0))
  printf 'bin/%s [%d:%02d]: %s\n' "${0##*/}" $((t / 60)) $((t % 60)) "$*" >&2
}
die() { say "$*"; exit 1; }

# apt-get install, quietly; refreshes the package lists once if that fails.
apt_install() {
  local out
  out="$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" 2>&1)" && return 0
  out="$(apt-get update -qq 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" 2>&1)" \
    || die "apt-get install $* failed: $(echo "$out" | tail -3)"
}

# The bases the Dockerfile names; an online build pulls both.
BASE_IMAGE=docker.io/library/debian:bookworm-slim
BUILDER_IMAGE=docker.io/library/rust:1.95-slim-bookworm
BASE_GLIBC=2.36 # bookworm's

docker_answers() {
  command -v docker >/dev/null && docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1
}

# Sets engine (docker|podman), engine_desc and build_cmd, installing podman when
# that is possible and needed (unless DRY is given). Returns 77, printing what
# to install, when no engine can be had.
pick_engine() { # [DRY]
  if docker_answers; then
    engine=docker build_cmd=(docker buildx build --load)
    engine_desc="docker buildx ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi
  engine=podman build_cmd=(podman build)
  if ! command -v podman >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
      echo "no container engine: install podman (Debian: apt-get install podman buildah runc) or start a Docker daemon with buildx" >&2
      return 77
    fi
    engine_desc="podman (to be installed from Debian's packages)"
    [ -z "${1:-}" ] || return 0
    say "no Docker daemon and no podman: installing podman from Debian's packages"
    apt_install podman buildah runc
  fi
  local version
  version="$(podman version --format '{{.Client.Version}}' 2>&1)" \
    || { echo "podman is installed but does not run for $(id -un): $version" >&2; return 1; }
  engine_desc="podman $version"
}

# podman's defaults fail on some hosts (here: raising RLIMIT_NOFILE is not
# permitted; elsewhere crun refuses cgroups in hybrid mode). When a trial run of
# the base with the defaults fails, use settings that work there: runc,
# cgroupfs, and ulimits within the host's. A CONTAINERS_CONF the caller set is
# left alone. Call once the base image is present.
engine_settings() {
  [ "$engine" = podman ] && [ -z "${CONTAINERS_CONF:-}" ] || return 0
  podman run --rm --network=none "$BASE_IMAGE" true >/dev/null 2>&1 && return 0
  local conf="${AMI_TEST_RESOURCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ami-test-resource}/containers.conf"
  mkdir -p "$(dirname "$conf")"
  cat >"$conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
  export CONTAINERS_CONF="$conf"
  local err
  err="$(podman run --rm --network=none "$BASE_IMAGE" true 2>&1)" \
    || die "podman cannot run a container, with its defaults or with $conf: $err"
  say "podman's default settings cannot run a container here; using $conf (runc, cgroupfs, nofile 1024:20000)"
}

# Pulls both bases; on failure prints why (one line) and returns 1.
pull_bases() {
  local image err
  for image in "$BASE_IMAGE" "$BUILDER_IMAGE"; do
    if ! err="$("$engine" pull -q "$image" 2>&1 >/dev/null)"; then
      echo "cannot pull $image ($(echo "$err" | tail -1 | cut -c1-300))"
      return 1
    fi
  done
}

# The host-built binary runs on the base's glibc only if the host's is no newer.
check_host_glibc() {
  local host; host="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
  [ -n "$host" ] || die "offline build: the host has no glibc (getconf GNU_LIBC_VERSION); the image needs a glibc binary"
  if [ "$(printf '%s\n%s\n' "$host" "$BASE_GLIBC" | sort -V | tail -1)" != "$BASE_GLIBC" ]; then
    die "offline build: this host's glibc $host is newer than bookworm's $BASE_GLIBC, so a binary built here may not run in the image; build on Debian 12 (or older), or where $BUILDER_IMAGE can be pulled"
  fi
  say "host glibc $host <= bookworm's $BASE_GLIBC: the host-built binary runs in the image"
}

# The product's release build (the size-tuned profile), under the machine's
# cold-build lock when flock is there: two release builds at once need ~17 GB.
build_release_binary() {
  local lock=() file=/tmp/cold-build.lock
  if command -v flock >/dev/null; then
    lock=(flock "$file")
    flock -n "$file" true || say "waiting for $file: another cold build is running"
  fi
  say "cargo build --release (cold: ~10-14 min, ~8.5 GB RAM; after an edit: 1-3 min)"
  "${lock[@]}" cargo build --release --locked --quiet -p ami-test-resource --bin ami-test-resource >&2 \
    || die "cargo build --release failed"
  echo "$root/target/release/ami-test-resource"
}

# TAG for TARGET: the default target gets the tag itself, others TAG-TARGET.
tag_for() {
  [ "$1" = minimal ] && { echo "$tag"; return; }
  local name="${tag##*/}"
  case "$name" in
    *:*) echo "$tag-$1" ;;
    *) echo "$tag:$1" ;;
  esac
}

build_image() { # NAME TARGET [EXTRA ARGS]
  local name="$1" target="$2"; shift 2
  local log="$work/build-$target.log"
  if ! "${build_cmd[@]}" --target "$target" --tag "$name" "$@" --file Dockerfile . >"$log" 2>&1; then
    tail -20 "$log" >&2
    die "building $name failed (full log above, last 20 lines)"
  fi
}

hadolint_dockerfile() {
  "$root/.venv/bin/hadolint" Dockerfile || die "hadolint: fix the Dockerfile, or ignore a rule inline with the reason"
}

smoke_test() { # FIGURES_JSON IMAGE...
  local figures="$1"; shift
  cargo build --locked --quiet -p testkit --bin fake-github
  local args=()
  for image in "$@"; do args+=(--image "$image"); done
  # Offline, the images hold this host's binary: time it here too, beside them.
  [ -z "$offline" ] || args+=(--host-binary "$binary")
  "$root/.venv/bin/python" "$root/bin/image-smoke" --engine "$engine" "${args[@]}" \
    --fake-github "$root/target/debug/fake-github" --moto "$root/.venv/bin/moto_server" \
    --runs "$runs" --figures "$figures"
}
