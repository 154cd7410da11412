#!/bin/sh
# Creates the secrets deploy/compose.yaml mounts, one file each, in DIR (default: deploy/secrets).
#   sh deploy/make-secrets.sh [DIR]
# Needs only sh and openssl. Existing files are kept (so a second run after an upgrade only adds new
# ones), and nothing is printed but file names. The directory is private to you (0700); the files are
# 0644 because compose bind-mounts them unchanged and the containers read them as other users
# (postgres, node). Never commit them: deploy/.gitignore ignores secrets/.
set -eu
dir=${1:-$(dirname "$0")/secrets}
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

# Random text that is safe inside a URL (hex): database passwords go into DATABASE_URL.
random_hex() { openssl rand -hex 32; }

# make_secret NAME COMMAND...: writes COMMAND's output to DIR/NAME unless it exists.
make_secret() {
  name=$1
  shift
  if [ -s "$dir/$name" ]; then
    echo "kept    $dir/$name"
    return
  fi
  "$@" >"$dir/$name.tmp"
  chmod 644 "$dir/$name.tmp"
  mv "$dir/$name.tmp" "$dir/$name"
  echo "created $dir/$name"
}

make_secret postgres_superuser_password random_hex
make_secret postgres_owner_password random_hex
make_secret postgres_app_password random_hex
# The lab's connection strings hold the role passwords above; "postgres" is the compose service.
owner_url() { printf 'postgres://polymorph_owner:%s@postgres:5432/polymorph\n' "$(cat "$dir/postgres_owner_password")"; }
app_url() { printf 'postgres://polymorph_app:%s@postgres:5432/polymorph\n' "$(cat "$dir/postgres_app_password")"; }
make_secret lab_owner_database_url owner_url
make_secret lab_app_database_url app_url
make_secret lab_jwt_secret openssl rand -base64 48
make_secret lab_signing_key.pem openssl genpkey -algorithm ed25519
make_secret synfinance_api_keys random_hex
make_secret synfinance_admin_api_key random_hex
make_secret grafana_admin_password random_hex
