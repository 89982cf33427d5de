#!/usr/bin/env bash
# Runs the whole test suite against a local PostgreSQL 15 (set up and started if needed) and prints
# "N passed, N failed". Each run creates its own database and drops it afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/postgres.sh"
cd "$repo_root"

if [ -z "${TRIALMANAGER_TEST_ADMIN_CONNECTION:-}" ]; then
  ensure_postgres
  # One role for every checkout on this machine, so one secret for all of them: a run from another checkout must not
  # reset the password of a run that is still going.
  password=$(local_secret test-db-password "${XDG_DATA_HOME:-$HOME/.local/share}/trialmanager")
  # The tests create and drop their own databases and play a superuser who tampers with the audit table.
  ensure_login_role trialmanager_test "$password" SUPERUSER
  export TRIALMANAGER_TEST_ADMIN_CONNECTION="Host=127.0.0.1;Port=$PGPORT;Database=postgres;Username=trialmanager_test;Password=$password;SSL Mode=Disable"
fi

# The OpenAPI lint test runs Spectral, installed from the committed lock file (no install scripts: nothing but the registry).
lint="$repo_root/tests/openapi-lint"
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Node.js and npm are needed for the OpenAPI lint and the S3 tests. Install them with: sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
  echo "Installing Node.js and npm with apt..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
# The S3 export storage tests start s3rver, a local S3-compatible server, installed the same way, and the end-to-end
# browser tests inject axe-core from tests/e2e.
for packages in "$lint" "$repo_root/tests/s3-server" "$repo_root/tests/e2e"; do
  if [ ! -d "$packages/node_modules" ] || [ "$packages/package-lock.json" -nt "$packages/node_modules" ]; then
    npm ci --prefix "$packages" --ignore-scripts --no-audit --no-fund >/dev/null
  fi
done

# The web client is built into the API's wwwroot/app, which the test host serves under /app to the end-to-end tests.
web="$repo_root/src/TrialManager.Web"
if [ -f "$web/package.json" ]; then
  if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules" ]; then
    npm ci --prefix "$web" --no-audit --no-fund >/dev/null
  fi
  # Quiet when it works; a failed build shows all it said (a type checker reports on standard output).
  if ! build_log=$(npm run build --prefix "$web" 2>&1); then
    echo "$build_log" >&2
    echo "0 passed, 0 failed (the web client's build failed)"
    exit 1
  fi
fi

# The multi-instance scenario runs its own PgBouncer and nginx (Debian's packages) with configurations of its own, on free
# ports; the system services the packages install are neither used nor needed. The end-to-end tests drive Debian's
# chromium (Playwright's driver comes with its NuGet package; its own browser builds are never downloaded), and
# fonts-liberation gives its screenshots the metrics of the common web fonts.
tools=()
[ -x /usr/sbin/pgbouncer ] || tools+=(pgbouncer)
[ -x /usr/sbin/nginx ] || tools+=(nginx)
[ -x /usr/bin/chromium ] || tools+=(chromium fonts-liberation)
if [ ${#tools[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing ${tools[*]} with apt..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null
  else
    echo "The multi-instance and end-to-end tests need ${tools[*]} and will fail without: sudo apt-get install -y ${tools[*]}" >&2
  fi
fi

results="$repo_root/.test-results"
rm -rf "$results"
mkdir -p "$results"
status=0
# The web client's unit tests (Vitest) run in a whole run; a run narrowed with dotnet test's arguments skips them.
web_passed=0 web_failed=0
if [ $# -eq 0 ] && [ -f "$web/package.json" ]; then
  npm test --prefix "$web" -- --reporter=default --reporter=json --outputFile.json="$results/web-unit.json" || status=$?
  if [ -f "$results/web-unit.json" ]; then
    web_passed=$(node -p "require('$results/web-unit.json').numPassedTests")
    web_failed=$(node -p "require('$results/web-unit.json').numFailedTests")
  else
    web_failed=1
  fi
fi
dotnet test TrialManager.sln -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" || status=$?

trx="$results/results.trx"
if [ ! -f "$trx" ]; then
  echo "0 passed, 0 failed (no test results: the build or the test host failed)"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
passed=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
failed=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
passed=$((passed + web_passed))
failed=$((failed + web_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$status" -eq 0 ]
