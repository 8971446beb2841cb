//! Micro-benchmarks of the four paths every guarded request goes through:
//! the permission check, the session load, the CSRF comparison and the
//! `next` redirect check. Group names are quoted by `docs/BENCHMARKS.md`.
//!
//! Run: `cargo bench -p portcullis --bench hot_paths` (about 45 s; add
//! `-- --quick` for a rougher, faster pass).

use std::{
    collections::HashMap,
    hint::black_box,
    time::{Duration, Instant},
};

use actix_session::storage::{SessionKey, SessionStore};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use criterion::{criterion_group, criterion_main, Criterion};
use portcullis::{
    security::redirect::safe_next, test_support::masked_token_matches,
    test_support::DbSessionStore, Auth, NewUser, Settings, User,
};
use rand::RngCore;
use tokio::runtime::Runtime;

/// Sessions stored before `session_load` is timed.
const SESSION_ROWS: usize = 10_000;
/// Users those sessions belong to (each session row references its user).
const SESSION_USERS: usize = 100;

/// Codenames granted to the user directly.
const DIRECT: [&str; 8] = [
    "blog.view",
    "blog.comment",
    "profile.view",
    "profile.edit",
    "files.view",
    "files.upload",
    "search.use",
    "inbox.read",
];

/// Three groups with four codenames each: 8 + 12 = 20 effective permissions.
const GROUPS: [(&str, [&str; 4]); 3] = [
    (
        "Editors",
        ["blog.publish", "blog.edit", "blog.delete", "media.upload"],
    ),
    (
        "Reviewers",
        [
            "reports.view",
            "reports.export",
            "audit.view",
            "audit.export",
        ],
    ),
    (
        "Support",
        [
            "tickets.view",
            "tickets.reply",
            "tickets.close",
            "users.view",
        ],
    ),
];

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Gives `username` the 8 direct permissions and the 3 groups (12 more).
async fn grant_twenty(auth: &Auth, username: &str) {
    for codename in DIRECT {
        auth.grant_user_permission(username, codename)
            .await
            .expect("grant");
    }
    for (group, codenames) in GROUPS {
        for codename in codenames {
            auth.grant_group_permission(group, codename)
                .await
                .expect("grant to group");
        }
        auth.add_user_to_group(group, username)
            .await
            .expect("join group");
    }
}

/// A user with 20 permissions (8 direct, 12 through 3 groups), created with the
/// admin API on in-memory SQLite and loaded as a request would load it.
fn loaded_user(rt: &Runtime) -> User {
    rt.block_on(async {
        let settings = Settings::from_toml_str(
            "[database]\nurl = \"sqlite::memory:\"\n\
             [security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n",
        )
        .expect("bench settings");
        let auth = Auth::connect(settings).await.expect("connect");
        auth.create_user(NewUser::new(
            "bench",
            "bench@example.com",
            "violet-harbour-42-kites",
        ))
        .await
        .expect("database")
        .expect("valid user");
        grant_twenty(&auth, "bench").await;
        let user = auth
            .user_by_username("bench")
            .await
            .expect("database")
            .expect("the user exists");
        assert_eq!(user.permissions.len(), 20);
        assert_eq!(user.groups.len(), 3);
        user
    })
}

/// `User::has_perm` for a held and a missing codename, and the checks a
/// `permission_required`/`group_required` guard makes (`has_perms` over its
/// list, `in_group` over its groups): run on every guarded request, so they
/// must stay far below the cost of the database load that precedes them.
/// (The guard's own rule function is crate-private; these are what it calls.)
fn permission_check(c: &mut Criterion) {
    let user = loaded_user(&runtime());
    let rule = ["blog.publish", "reports.view", "tickets.close"];
    let mut g = c.benchmark_group("permission_check");
    g.bench_function("has_perm_present", |b| {
        b.iter(|| black_box(&user).has_perm(black_box("reports.export")))
    });
    g.bench_function("has_perm_absent", |b| {
        b.iter(|| black_box(&user).has_perm(black_box("reports.delete")))
    });
    g.bench_function("rule_permissions_3", |b| {
        b.iter(|| black_box(&user).has_perms(black_box(&rule)))
    });
    g.bench_function("rule_group_any_of_2", |b| {
        b.iter(|| {
            ["Admins", "Support"]
                .iter()
                .any(|group| black_box(&user).in_group(black_box(group)))
        })
    });
    g.finish();
}

/// A session's state as Portcullis leaves it after login: user id,
/// credential version and CSRF secret, each a JSON value.
fn session_state(user_id: i64) -> HashMap<String, String> {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    HashMap::from([
        ("_auth_user_id".to_owned(), user_id.to_string()),
        ("_auth_credential".to_owned(), "1".to_owned()),
        (
            "_csrf".to_owned(),
            format!("\"{}\"", URL_SAFE_NO_PAD.encode(secret)),
        ),
    ])
}

/// `DbSessionStore::load` on a WAL SQLite file holding 10,000 sessions of 100
/// users (created through `Auth`, which opens files in WAL mode), for an
/// existing key (its user in 3 groups with 20 permissions), the same key
/// after a change to another user's access and after a change to its own
/// user's, and a missing key: the one statement every request with a
/// session cookie makes (SHA-256 of the key, then an indexed lookup of
/// session, user and access key), plus the names statement after a change
/// that reaches the user.
fn session_load(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("sessions.db").display()
    );
    let (auth, store, existing) = rt.block_on(async {
        let settings = Settings::from_toml_str(&format!(
            "[database]\nurl = \"{url}\"\n\
             [security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n"
        ))
        .expect("bench settings");
        let auth = Auth::connect(settings).await.expect("open SQLite file");
        let mut user_ids = Vec::with_capacity(SESSION_USERS);
        for i in 0..SESSION_USERS {
            let new = NewUser::new(
                format!("user{i}"),
                format!("user{i}@example.com"),
                "violet-harbour-42-kites",
            );
            let user = auth.create_user(new).await.expect("database");
            user_ids.push(user.expect("valid user").id);
        }
        // The timed session's user: the load copies its names out of the cache.
        grant_twenty(&auth, "user0").await;
        let store = DbSessionStore::new(auth.db().clone(), 1_209_600, 43_200);
        let ttl = actix_web::cookie::time::Duration::days(14);
        let mut keys = Vec::with_capacity(SESSION_ROWS);
        for i in 0..SESSION_ROWS {
            let state = session_state(user_ids[i % SESSION_USERS]);
            keys.push(store.save(state, &ttl).await.expect("save"));
        }
        (auth, store, keys.swap_remove(SESSION_ROWS / 2))
    });
    assert!(
        dir.path().join("sessions.db-wal").exists(),
        "the session database runs in WAL mode"
    );
    let missing = SessionKey::try_from(URL_SAFE_NO_PAD.encode([42u8; 32])).expect("a key");

    let mut g = c.benchmark_group("session_load");
    g.bench_function("existing_key", |b| {
        b.to_async(&rt).iter(|| async {
            let state = store.load(black_box(&existing)).await.expect("load");
            assert!(state.is_some());
            state
        })
    });
    // A grant or a revoke through the admin API (untimed) before each load.
    // To another user it leaves the timed user's names cached; to the timed
    // user itself (the worst case) the load runs the names statement too.
    let after_change = |username: &'static str| {
        let (rt, auth, store, existing) = (&rt, &auth, &store, &existing);
        move |b: &mut criterion::Bencher| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for i in 0..iters {
                    rt.block_on(async {
                        if i % 2 == 0 {
                            auth.grant_user_permission(username, "bench.toggle")
                                .await
                                .map(drop)
                        } else {
                            auth.revoke_user_permission(username, "bench.toggle")
                                .await
                                .map(drop)
                        }
                    })
                    .expect("change access");
                    let t0 = Instant::now();
                    let state = rt.block_on(store.load(black_box(existing))).expect("load");
                    spent += t0.elapsed();
                    assert!(state.is_some());
                }
                spent
            })
        }
    };
    g.bench_function("other_user_changed", after_change("user99"));
    g.bench_function("names_changed", after_change("user0"));
    g.bench_function("missing_key", |b| {
        b.to_async(&rt).iter(|| async {
            let state = store.load(black_box(&missing)).await.expect("load");
            assert!(state.is_none());
            state
        })
    });
    g.finish();
    drop(store);
    drop(auth);
    drop(dir);
}

/// `masked_token_matches`, what the CSRF middleware runs on every unsafe
/// request: base64 decoding, unmasking and a constant-time compare. A forged
/// token (right shape, wrong secret) must cost the same as a good one.
fn csrf_check(c: &mut Criterion) {
    let mut secret = [0u8; 32];
    let mut pad = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    rand::thread_rng().fill_bytes(&mut pad);
    let stored = URL_SAFE_NO_PAD.encode(secret);
    let masked: Vec<u8> = secret.iter().zip(&pad).map(|(s, p)| s ^ p).collect();
    let good = URL_SAFE_NO_PAD.encode([pad.as_slice(), &masked].concat());
    let forged = URL_SAFE_NO_PAD.encode([pad.as_slice(), &secret].concat());
    assert!(masked_token_matches(&stored, &good));
    assert!(!masked_token_matches(&stored, &forged));

    let mut g = c.benchmark_group("csrf_check");
    g.bench_function("good_token", |b| {
        b.iter(|| masked_token_matches(black_box(&stored), black_box(&good)))
    });
    g.bench_function("forged_token", |b| {
        b.iter(|| masked_token_matches(black_box(&stored), black_box(&forged)))
    });
    g.finish();
}

/// `safe_next` (and so `is_local_path`) on the inputs the login page sees: a
/// local path, an absolute URL, a scheme-relative `//host`, and a 2 KB path,
/// the longest accepted, which walks every character.
fn next_check(c: &mut Criterion) {
    let long = format!("/{}", "a".repeat(2046));
    assert_eq!(safe_next(Some(&long)), Some(long.as_str()));
    let cases = [
        ("local_path", "/reports/2024?tab=summary"),
        ("absolute_url", "https://evil.example/login"),
        ("scheme_relative", "//evil.example"),
        ("long_path_2kb", long.as_str()),
    ];
    let mut g = c.benchmark_group("next_check");
    for (name, next) in cases {
        g.bench_function(name, |b| b.iter(|| safe_next(black_box(Some(next)))));
    }
    g.finish();
}

criterion_group! {
    name = hot_paths;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = permission_check, session_load, csrf_check, next_check
}
criterion_main!(hot_paths);
