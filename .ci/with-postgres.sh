#!/usr/bin/env bash
# Run a command with BANGFU_TEST_PG_URL pointing at a PostgreSQL server.
# If the variable is already set, that server is used; otherwise a throw-away server is
# started for the duration of the command and removed afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${BANGFU_TEST_PG_URL:-}" ]; then
  exec "$@"
fi
pgdir=$(mktemp -d /tmp/bangfu-pg.XXXXXX)
trap '"$here/postgres.sh" stop "$pgdir"' EXIT
BANGFU_TEST_PG_URL=$("$here/postgres.sh" start "$pgdir")
export BANGFU_TEST_PG_URL
echo "PostgreSQL for the tests: $BANGFU_TEST_PG_URL"
"$@"
