#!/usr/bin/env bash
# The public item count that crates/portcullis/src/lib.rs states ("Public
# items: N") must match rustdoc's list of all items, so the crate docs stay
# true as the API changes. Prints the count; exits 1 on a mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo doc -p portcullis --no-deps --quiet
python3 - <<'PY'
import re, sys
html = open("target/doc/portcullis/all.html", encoding="utf-8").read()
count = len(re.findall(r'<li><a href="[^"]+">', html))
stated = re.search(r"Public items: (\d+)", open("crates/portcullis/src/lib.rs", encoding="utf-8").read())
if not stated:
    sys.exit("crates/portcullis/src/lib.rs states no 'Public items: N'")
print(f"public items: {count} (lib.rs states {stated.group(1)})")
if int(stated.group(1)) != count:
    sys.exit("the crate docs' public item count is stale: update crates/portcullis/src/lib.rs")
PY
