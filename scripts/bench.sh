#!/usr/bin/env bash
# The load benchmark (docs/BENCHMARKS.md): builds the release binaries, then
# measures the demo on SQLite and PostgreSQL beside the one-lookup floor (and
# Django + gunicorn when python3 is here). Arguments go to portcullis-bench:
#   bash scripts/bench.sh                     full run, about 23 minutes on 2 cores
#   bash scripts/bench.sh --quick --check     the bounded run the test command does
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p demo -p portcullis-bench
exec target/release/portcullis-bench "$@"
