#!/usr/bin/env bash
# The whole suite. Outside CI: SQLite, plus whatever services are reachable.
# With CI=true: SQLite and PostgreSQL, lint, types, migrations check and the browser test; tests
# that need NATS or MQTT must run (MINESAFE_REQUIRE_SERVICES=1 turns their skips into failures).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [ "${CI:-}" = "true" ]; then
  export MINESAFE_REQUIRE_SERVICES=1 MINESAFE_REQUIRE_BROWSER=1
  echo "== ruff"; .venv/bin/ruff check minesafe tests bench
  echo "== mypy"; make --no-print-directory typecheck
  echo "== makemigrations --check"; $PY -m minesafe manage makemigrations --check --dry-run
  echo "== pytest on SQLite"; $PY -m pytest -q -p no:cacheprovider
  # Between 00:00 and 08:00 Beijing time the UTC date is yesterday: run dated pages then too.
  echo "== pytest at 23:30 UTC"
  MINESAFE_CLOCK=23:30 $PY -m pytest -q -p no:cacheprovider minesafe/enforcement/tests/test_pages.py
  db="minesafe_ci_$$"
  echo "== pytest on PostgreSQL ($db)"
  # A live-server thread can keep a session open past teardown: drop the test database by force.
  trap 'psql -U postgres -h 127.0.0.1 -q -c "DROP DATABASE IF EXISTS test_$db WITH (FORCE)" || true' EXIT
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" $PY -m pytest -q -p no:cacheprovider \
    -W "ignore:Error when trying to teardown test databases"
else
  $PY -m pytest -q -p no:cacheprovider
fi
