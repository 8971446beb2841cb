"""Server CPU a request by part, for the guarded page and the floor.

    python3 scripts/perf-table.py PAGE.script PAGE_US FLOOR.script FLOOR_US

Reads `perf script -F comm,ip,sym` output of a frame-pointer build (made by
scripts/perf-profile.sh), puts each sample in the first part whose rule
matches its thread or stack, and scales the shares to the measured µs a
request. The rules go by symbol names, so they are a guide, not an
accounting: libc has no frame pointers, so malloc and free samples whose
caller is lost get a line of their own.
"""

import collections
import sys

ALLOC = {"_int_malloc", "malloc", "_int_free", "cfree", "malloc_consolidate",
         "unlink_chunk.constprop.0", "free", "_int_realloc", "realloc"}

# (part, rule(thread, leaf-to-root frames joined by " | ")); first match wins.
RULES = [
    ("SQLite connection thread", lambda t, s: t.startswith("sqlx")),
    ("malloc/free, caller lost", lambda t, s: s.split(" | ")[0].split("@")[0] in ALLOC
        and s.count(" | ") <= 1),
    ("sqlx row decode and drop", lambda t, s: "FromRow" in s or "sqlx_sqlite::row::SqliteRow" in s),
    # The page's session read runs on Portcullis' own connections (db::reads), not the pool.
    ("sqlx query, actix side", lambda t, s: "sqlx_core::pool::" in s or "load_with_user_on" in s),
    ("page: askama render", lambda t, s: "askama::Template" in s),
    ("page: headers and response", lambda t, s: "page_response" in s or "apply_page_headers" in s),
    ("page: context and handler", lambda t, s: "demo::pages::" in s or "page_base" in s),
    ("guards and User extractor", lambda t, s: "portcullis::guard" in s),
    ("actix-session: cookie and signature", lambda t, s: "extract_session_key" in s),
    ("session state JSON", lambda t, s: "serde_json" in s),
    ("session key hash", lambda t, s: "hash_key" in s),
    ("group/permission names cache", lambda t, s: "db::access::" in s),
    ("routing and handler glue", lambda t, s: any(x in s for x in (
        "CsrfService", "AppRouting", "handler_service", "HttpServiceFactory"))),
    ("actix-session: the rest", lambda t, s: "actix_session" in s),
    ("auth middleware: the rest", lambda t, s: "AuthService" in s or "TaskLocalFuture" in s),
    ("response write", lambda t, s: any(x in s for x in ("__send", "poll_flush", "send_response"))),
    ("request read and parse", lambda t, s: any(x in s for x in ("poll_request", "recv", "read_available"))),
    ("HTTP dispatcher: the rest", lambda t, s: "Dispatcher" in s),
    ("runtime: epoll, wake-ups, scheduling", lambda t, s: True),
]


def samples(path):
    """(thread, [frames leaf first]) per sample."""
    out, thread, frames = [], None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            if not line[0].isspace():
                if frames is not None:
                    out.append((thread, frames))
                thread, frames = line.split()[0], []
            else:
                parts = line.split(None, 1)
                frames.append(parts[1].strip() if len(parts) > 1 else "?")
    if frames is not None:
        out.append((thread, frames))
    return out


def parts(path, us):
    counts = collections.Counter()
    all_samples = samples(path)
    for thread, frames in all_samples:
        stack = " | ".join(frames)
        counts[next(p for p, rule in RULES if rule(thread, stack))] += 1
    total = max(len(all_samples), 1)
    return {p: n / total * us for p, n in counts.items()}


def main():
    page = parts(sys.argv[1], float(sys.argv[2]))
    floor = parts(sys.argv[3], float(sys.argv[4]))
    print(f"| µs a request | guarded page | floor | extra |")
    print("|---|---:|---:|---:|")
    for p, _ in RULES:
        a, b = page.get(p, 0.0), floor.get(p, 0.0)
        print(f"| {p} | {a:.1f} | {b:.1f} | {a - b:+.1f} |")
    a, b = sum(page.values()), sum(floor.values())
    print(f"| total | {a:.1f} | {b:.1f} | {a - b:+.1f} |")


if __name__ == "__main__":
    main()
