#!/usr/bin/env bash
# Run once by the postgres image on a new data volume (/docker-entrypoint-initdb.d): creates the role the API runs
# as. The owner role (POSTGRES_USER) applies migrations and grants this one what it needs at every start.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE ROLE trialmanager_app LOGIN PASSWORD '${TRIALMANAGER_APP_PASSWORD:?set TRIALMANAGER_APP_PASSWORD}'"
