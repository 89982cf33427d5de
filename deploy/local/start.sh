#!/usr/bin/env bash
# Starts TrialManager on http://127.0.0.1:5080 (override with TRIALMANAGER_URL).
# Without ConnectionStrings__TrialManager it sets up a local PostgreSQL database `trialmanager` first.
# Without Bootstrap__AdminToken it makes one (kept in .local/admin-token) for the first system admin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/postgres.sh"
cd "$repo_root"

if [ -z "${ConnectionStrings__TrialManager:-}" ]; then
  ensure_postgres
  # Two roles, as in production: `trialmanager` owns the schema and applies migrations; the service runs as
  # `trialmanager_app`, which may only insert into and read the audit trail.
  owner_password=$(local_secret db-password)
  app_password=$(local_secret db-app-password)
  ensure_login_role trialmanager "$owner_password"
  ensure_login_role trialmanager_app "$app_password"
  ensure_database trialmanager trialmanager
  server="Host=127.0.0.1;Port=$PGPORT;Database=trialmanager;SSL Mode=Disable"
  export ConnectionStrings__TrialManager="$server;Username=trialmanager_app;Password=$app_password"
  export ConnectionStrings__TrialManagerMigrations="$server;Username=trialmanager;Password=$owner_password"
  echo "Database: local PostgreSQL, database trialmanager on port $PGPORT"
fi
if [ -z "${Smtp__Host:-}" ]; then
  # A development SMTP server that keeps every mail for inspection instead of delivering it.
  smtp4dev="$repo_root/.local/tools/smtp4dev"
  if [ ! -x "$smtp4dev" ]; then
    echo "Installing smtp4dev (development SMTP server)..."
    dotnet tool install Rnwood.Smtp4dev --version 3.15.0 --tool-path "$repo_root/.local/tools" >/dev/null
  fi
  if ! (exec 3<>/dev/tcp/127.0.0.1/2525) 2>/dev/null; then
    nohup "$smtp4dev" --urls=http://127.0.0.1:5081 --smtpport=2525 --imapport=1143 --db="" \
      >"$repo_root/.local/smtp4dev.log" 2>&1 &
  fi
  export Smtp__Host=127.0.0.1 Smtp__Port=2525 Smtp__UseTls=false Smtp__From=trialmanager@localhost
  smtp_ui="http://127.0.0.1:5081 (smtp4dev)"
fi
export Exports__Path="${Exports__Path:-$repo_root/.local/exports}"
export Bootstrap__AdminToken="${Bootstrap__AdminToken:-tm_admin_$(local_secret admin-token)}"
url="${TRIALMANAGER_URL:-http://127.0.0.1:5080}"
export ASPNETCORE_URLS="$url"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"

echo "Building..."
# The web client first: the API's build takes its files in as static assets.
web="$repo_root/src/TrialManager.Web"
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Node.js and npm are needed to build the web client: sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
  echo "Installing Node.js and npm with apt (to build the web client)..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules" ]; then
  npm ci --prefix "$web" --ignore-scripts --no-audit --no-fund >/dev/null
fi
npm run --prefix "$web" build >/dev/null
dotnet build src/TrialManager.Api -c Release -v quiet -nologo >/dev/null
cat <<MSG

  Web data entry    $url/app/
  TrialManager API  $url/api/v1
  Swagger UI        $url/swagger
  Jobs dashboard    $url/hangfire?access_token=<admin token>
  Mail              ${smtp_ui:-SMTP at $Smtp__Host:${Smtp__Port:-25}}
  Admin token       $Bootstrap__AdminToken
                    (the first system admin is created with it when the database has none)
  Demo trial        node deploy/local/demo.mjs   (in another terminal: makes a trial and prints
                    tokens of a researcher, a monitor and a statistician to sign in with)

MSG
exec dotnet run --project src/TrialManager.Api -c Release --no-build --no-launch-profile
