#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d), as the
# superuser. Creates the two roles the lab uses, with passwords from the compose secrets:
#   polymorph_owner  owns the database and its schema; runs migrations (service lab-migrate)
#   polymorph_app    what the server connects as; lab-migrate grants it least privilege
# Changing a password later: ALTER ROLE ... PASSWORD, then update deploy/secrets (docs/deploy.md).
set -eu
owner_password=$(cat "${POLYMORPH_OWNER_PASSWORD_FILE:?}")
app_password=$(cat "${POLYMORPH_APP_PASSWORD_FILE:?}")
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:?}" --dbname "${POSTGRES_DB:?}" \
  -v db="$POSTGRES_DB" -v owner_password="$owner_password" -v app_password="$app_password" <<'SQL'
CREATE ROLE polymorph_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE polymorph_app LOGIN PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO polymorph_owner;
ALTER SCHEMA public OWNER TO polymorph_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO polymorph_app;
SQL
