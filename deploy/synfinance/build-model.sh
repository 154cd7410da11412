#!/bin/sh
# Trains the demonstration fraud model that the SynFinance image serves, so that scoring works on the
# first start. Run from the repository root (the image's /app): sh deploy/synfinance/build-model.sh DIR
# writes DIR/fraud-model.json. Deterministic (fixed seed); about 10 s. Replace it with a model trained on
# your own data by mounting that file and pointing SYNFINANCE_MODEL_PATH at it (docs/deploy.md).
set -eu
out=${1:?usage: build-model.sh OUTPUT_DIR}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
synfinance() { node_modules/.bin/tsx apps/synfinance/src/cli.ts "$@"; }
synfinance generate --count 40000 --seed 11 --fraud-rate 0.02 --start 2025-01-01 --days 60 \
  --format csv --out "$work/train.csv" --quiet
synfinance train --data "$work/train.csv" --model "$out/fraud-model.json" \
  --trees 30 --depth 4 --test-days 14 --quiet
echo "fraud model: $out/fraud-model.json"
