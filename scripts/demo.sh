#!/usr/bin/env bash
# Orixoon's main job on an embedded default: installs what is missing (Docker, PostgreSQL/Redis
# binaries, Node 24, npm packages), builds, then `orixoon demo` starts a small stack in Docker,
# breaks it and heals it. Extra arguments go to `orixoon demo` (e.g. --keep).
set -euo pipefail
source "$(dirname "$0")/ci-setup.sh" --build
exec node dist/cli.js demo "$@"
