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

echo "Building..."
dotnet build src/TrialManager.Api -c Release -v quiet -nologo >/dev/null
cat <<MSG

  TrialManager API  $url/api/v1
  Swagger UI        $url/swagger
  Admin token       $Bootstrap__AdminToken
                    (the first system admin is created with it when the database has none)

MSG
exec dotnet run --project src/TrialManager.Api -c Release --no-build --no-launch-profile
