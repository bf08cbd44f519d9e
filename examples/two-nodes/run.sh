#!/usr/bin/env bash
# Start two Parley nodes on ports 3001 and 3002 with the shared settings of parley.env.
# Put a load balancer in front of them (nginx.conf here), or connect to either directly.
# Stop both with Ctrl-C: each drains (SIGTERM) before it exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
set -a; source examples/two-nodes/parley.env; set +a
# Both nodes need the same admin token and session secret: generate them once unless given.
shared_secret() {
  local file="./data/two-nodes-$1"
  mkdir -p ./data
  [ -f "$file" ] || (umask 077; node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64url'))" > "$file")
  cat "$file"
}
if [ -z "${PARLEY_ADMIN_TOKEN:-}" ]; then
  PARLEY_ADMIN_TOKEN=$(shared_secret admin-token)
  export PARLEY_ADMIN_TOKEN
  echo "two-nodes: the admin token is in ./data/two-nodes-admin-token"
fi
if [ -z "${PARLEY_SESSION_SECRET:-}" ]; then
  PARLEY_SESSION_SECRET=$(shared_secret session-secret)
  export PARLEY_SESSION_SECRET
fi
DATA_DIR=./data/node-a PORT=3001 node --import tsx src/main.ts serve &
a=$!
DATA_DIR=./data/node-b PORT=3002 node --import tsx src/main.ts serve &
b=$!
trap 'kill -TERM $a $b 2>/dev/null; wait' INT TERM
wait
