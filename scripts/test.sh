#!/usr/bin/env bash
# The one command that runs all of Portcullis' tests:
#
#   bash scripts/test.sh
#
# Starts a throwaway PostgreSQL server (scripts/pg-server.sh), an SMTP sink
# (scripts/smtp-sink.sh, aiosmtpd writing a Maildir) and the local OpenID
# provider (scripts/oidc-server.sh), all stopped again on exit, and exports
# PORTCULLIS_TEST_POSTGRES_URL (the integration tests also run against it;
# they always run against SQLite), PORTCULLIS_TEST_SMTP_URL and
# PORTCULLIS_TEST_SMTP_MAILDIR (the mail tests send there and read what
# arrived) and PORTCULLIS_TEST_OIDC_ISSUER (the OIDC tests), then, failing fast:
# rustfmt check, clippy (warnings are errors), unused dependencies (cargo
# machete), packaging (cargo package of portcullis-macros and portcullis, with
# the build from the .crate files), the public item count the crate docs
# state (scripts/api-count.sh), nextest, doctests, the real-browser suite
# (scripts/browser-tests.sh; Chromium and node are installed when missing),
# the bounded load
# benchmark with its budgets and the instruction budget under callgrind
# (docs/BENCHMARKS.md; valgrind is installed when missing), and
# ../shared/contract-check.sh when it exists. cargo-nextest and cargo-machete
# are installed when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${CI:-}" == true ]]; then
    export CARGO_TERM_COLOR=never
fi

step() { printf '\n==> %s\n' "$*"; }

# This script is the README's one test command: it installs what it needs.
if ! cargo nextest --version >/dev/null 2>&1; then
    step "installing cargo-nextest"
    cargo install cargo-nextest --locked </dev/null
fi
if ! cargo machete --version >/dev/null 2>&1; then
    step "installing cargo-machete"
    cargo install cargo-machete --locked </dev/null
fi

# /tmp, not $TMPDIR: the postgres OS user must reach it and the unix socket
# path inside it must stay short.
pgdir=$(mktemp -d /tmp/portcullis-pg.XXXXXX)
smtpdir=$(mktemp -d /tmp/portcullis-smtp.XXXXXX)
oidcdir=$(mktemp -d /tmp/portcullis-oidc.XXXXXX)
stop_servers() {
    bash scripts/oidc-server.sh stop "$oidcdir" || true
    bash scripts/smtp-sink.sh stop "$smtpdir" || true
    bash scripts/pg-server.sh stop "$pgdir" || true
}
trap stop_servers EXIT
# Turn signals into a normal exit so the EXIT trap stops the server.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

step "start PostgreSQL (scripts/pg-server.sh)"
started=$SECONDS
PORTCULLIS_TEST_POSTGRES_URL=$(bash scripts/pg-server.sh start "$pgdir")
export PORTCULLIS_TEST_POSTGRES_URL
echo "PORTCULLIS_TEST_POSTGRES_URL=$PORTCULLIS_TEST_POSTGRES_URL ($((SECONDS - started))s)"

step "start the SMTP sink (scripts/smtp-sink.sh)"
PORTCULLIS_TEST_SMTP_URL=$(bash scripts/smtp-sink.sh start "$smtpdir")
export PORTCULLIS_TEST_SMTP_URL
export PORTCULLIS_TEST_SMTP_MAILDIR="$smtpdir/maildir"
echo "PORTCULLIS_TEST_SMTP_URL=$PORTCULLIS_TEST_SMTP_URL"

step "start the OpenID provider (scripts/oidc-server.sh; npm ci on first use)"
PORTCULLIS_TEST_OIDC_ISSUER=$(bash scripts/oidc-server.sh start "$oidcdir" | tail -1)
export PORTCULLIS_TEST_OIDC_ISSUER
echo "PORTCULLIS_TEST_OIDC_ISSUER=$PORTCULLIS_TEST_OIDC_ISSUER"

step "rustfmt (cargo fmt --all --check)"
cargo fmt --all --check

step "clippy (cargo clippy --workspace --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "unused dependencies (cargo machete --skip-target-dir)"
cargo machete --skip-target-dir

# Both in one command: cargo resolves portcullis' path dependency on
# portcullis-macros from the other .crate. --allow-dirty: this checks the
# working tree as it is (what would ship, and that it builds alone), so
# uncommitted edits must not stop it; publishing is not done from here.
step "packaging (cargo package -p portcullis-macros -p portcullis --allow-dirty)"
cargo package -p portcullis-macros -p portcullis --allow-dirty

step "public API: the item count the crate docs state (bash scripts/api-count.sh)"
bash scripts/api-count.sh

step "tests (cargo nextest run --workspace --no-fail-fast)"
cargo nextest run --workspace --no-fail-fast

step "doctests (cargo test --workspace --doc)"
cargo test --workspace --doc

step "real browser: Chromium + Playwright + axe against the demo (bash scripts/browser-tests.sh)"
bash scripts/browser-tests.sh

step "bounded load benchmark (bash scripts/bench.sh --quick --check --django off)"
bash scripts/bench.sh --quick --check --django off

step "instruction budget: guarded page ≤ 2.8× the floor (bash scripts/callgrind.sh --check 2.8)"
bash scripts/callgrind.sh --check 2.8

if [[ -f ../shared/contract-check.sh ]]; then
    step "contract check (../shared/contract-check.sh)"
    bash ../shared/contract-check.sh
fi

step "all checks passed ($((SECONDS - started))s)"
