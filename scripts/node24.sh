#!/bin/sh
# Runs a command with Node.js 24 first in PATH: the runtime the action gets on GitHub (`node24`).
# `npm test` goes through here, so the suite (and every `node dist/...` it starts) runs on Node 24 even
# when the shell's own `node` is older (this machine kind ships Node 20). Node 24 is the one
# scripts/ci-setup.sh installs (ORIXOON_NODE24_DIR, /opt/orixoon-node24 or ~/.cache/orixoon-node24).
#
#   sh scripts/node24.sh COMMAND [ARG...]
set -eu
is24() { [ -x "$1/node" ] && case "$("$1/node" --version 2>/dev/null)" in v24.*) true ;; *) false ;; esac; }
current=$(command -v node 2>/dev/null || true)
if [ -n "$current" ] && is24 "$(dirname "$current")"; then
  exec "$@"
fi
for dir in ${ORIXOON_NODE24_DIR:+"$ORIXOON_NODE24_DIR"} /opt/orixoon-node24 "${HOME:-/tmp}/.cache/orixoon-node24"; do
  if is24 "$dir/bin"; then
    PATH="$dir/bin:$PATH"
    export PATH
    exec "$@"
  fi
done
echo "node24.sh: Node.js 24 not found (node on PATH is $(node --version 2>/dev/null || echo missing)); run 'bash scripts/ci-setup.sh' first, which installs it" >&2
exit 127
