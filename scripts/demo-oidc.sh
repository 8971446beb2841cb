#!/usr/bin/env bash
# Try "Sign in with …" locally: starts the local OpenID provider
# (scripts/oidc-server.sh: npm `oidc-provider`, any name and any password
# sign in) and the demo configured for it, on http://127.0.0.1:8000.
#
#   bash scripts/demo-oidc.sh
#
# Open http://127.0.0.1:8000/login and press "Sign in with Local IdP"; at the
# provider type `alice` (groups Editors and Staffers: /editors lets her in)
# or any other name, any password. Ctrl-C stops both; the provider is
# stopped by PID. The demo's database is a throwaway SQLite file in the same
# temporary directory as its settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dir=$(mktemp -d /tmp/portcullis-demo-oidc.XXXXXX)
stop() { bash scripts/oidc-server.sh stop "$dir/provider" || true; rm -rf "$dir"; }
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

issuer=$(bash scripts/oidc-server.sh start "$dir/provider" http://127.0.0.1:8000 | tail -1)
cat >"$dir/settings.toml" <<TOML
[auth]
site_origin = "http://127.0.0.1:8000"

[database]
url = "sqlite://$dir/demo.db?mode=rwc"

[oidc]
[[oidc.providers]]
id = "demo"
display_name = "Local IdP"
issuer = "$issuer"
client_id = "portcullis-confidential"
client_secret_env = "PORTCULLIS_DEMO_OIDC_SECRET"
extra_scopes = ["groups"]
groups_claim = "groups"
rp_initiated_logout = true
TOML
export PORTCULLIS_DEMO_OIDC_SECRET=portcullis-test-secret
echo "OpenID provider: $issuer (any name, any password; try alice)"
echo "Settings: $dir/settings.toml"
cargo run -p demo -- --settings "$dir/settings.toml" --bind 127.0.0.1:8000
