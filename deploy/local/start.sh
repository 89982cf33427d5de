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
export Bootstrap__AdminToken="${Bootstrap__AdminToken:-tm_admin_$(local_secret admin-token)}"
url="${TRIALMANAGER_URL:-http://127.0.0.1:5080}"
export ASPNETCORE_URLS="$url"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
# Reminder digests go to a development mail server: `dotnet tool install -g Rnwood.Smtp4dev`, then
# `smtp4dev --smtpport=2525 --urls=http://127.0.0.1:5081` shows them at http://127.0.0.1:5081.
export Smtp__Host="${Smtp__Host:-127.0.0.1}"
export Smtp__Port="${Smtp__Port:-2525}"
export Smtp__UseTls="${Smtp__UseTls:-false}"

echo "Building..."
dotnet build src/TrialManager.Api -c Release -v quiet -nologo >/dev/null
cat <<MSG

  TrialManager API  $url/api/v1
  Swagger UI        $url/swagger
  Admin token       $Bootstrap__AdminToken
                    (the first system admin is created with it when the database has none)
  Reminder e-mail   SMTP $Smtp__Host:$Smtp__Port (smtp4dev --smtpport=2525 --urls=http://127.0.0.1:5081)

MSG
exec dotnet run --project src/TrialManager.Api -c Release --no-build --no-launch-profile
