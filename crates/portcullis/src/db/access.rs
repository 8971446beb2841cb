//! A user's group names and effective permission codenames, and a per-thread
//! cache of them keyed by the user's access version and the database's
//! access generation.
//!
//! Triggers move two numbers in the same transaction as the change they
//! follow: a user's `access_version` (migration 0003) for changes to that
//! user's memberships and direct permissions, and the one
//! `portcullis_access_generation.value` (migration 0002) for changes to
//! groups and permissions themselves (a group's permissions, renames,
//! deletions) and for deleted users. Names read in one statement together
//! with key `(v, g)` stay exact for as long as a later statement still reads
//! `(v, g)` (both only ever grow), so the per-request session statement reads
//! the user row with its key, and the three name subqueries run only when
//! this thread has no names for that user under that key. Guards still see
//! live data: a change committed before a request's statement moves a number
//! that statement reads. A grant to one user leaves every other user's
//! cached names in place.

use std::{cell::RefCell, collections::BTreeSet, collections::HashMap, sync::Arc};

use super::{on_pool, Database, DbError, Doing};

/// Group names (sorted, unique) and effective permission codenames of one user.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Access {
    /// Group names.
    pub groups: Vec<String>,
    /// Codenames granted directly or through a group.
    pub permissions: BTreeSet<String>,
}

/// What a user's names are cached under, read in one statement with the
/// user's row: its access version and the access generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AccessKey {
    /// `portcullis_users.access_version`.
    pub version: i64,
    /// `portcullis_access_generation.value`.
    pub generation: i64,
}

impl AccessKey {
    /// The key, when the generation row exists (deleted by hand: nothing may be cached).
    pub(crate) fn new(version: i64, generation: Option<i64>) -> Option<AccessKey> {
        generation.map(|generation| AccessKey {
            version,
            generation,
        })
    }
}

/// The generation subquery, uncorrelated: evaluated once per statement.
macro_rules! generation_sql {
    () => {
        "(SELECT value FROM portcullis_access_generation WHERE id = 1)"
    };
}
pub(crate) use generation_sql;

/// `[groups, direct permissions, group permissions]` of user `u` as one JSON
/// text: SQLite aggregates with json_group_array; PostgreSQL builds an
/// ARRAY(…) and converts it, which costs it less than json_agg.
macro_rules! access_json_sql {
    ($open:literal, $from:literal, $close:literal) => {
        concat!(
            "'[' || ",
            $open,
            "g.name",
            $from,
            "FROM portcullis_user_groups ug ",
            "JOIN portcullis_groups g ON g.id = ug.group_id WHERE ug.user_id = u.id",
            $close,
            " || ',' || ",
            $open,
            "p.codename",
            $from,
            "FROM portcullis_user_permissions up ",
            "JOIN portcullis_permissions p ON p.id = up.permission_id WHERE up.user_id = u.id",
            $close,
            " || ',' || ",
            $open,
            "p.codename",
            $from,
            "FROM portcullis_user_groups ug ",
            "JOIN portcullis_group_permissions gp ON gp.group_id = ug.group_id ",
            "JOIN portcullis_permissions p ON p.id = gp.permission_id WHERE ug.user_id = u.id",
            $close,
            " || ']'"
        )
    };
}

/// Entries a thread keeps before it starts over (a few hundred bytes each).
const CAPACITY: usize = 4096;

thread_local! {
    /// User id → the key its names were read under, and the names. Per
    /// thread: actix workers are single-threaded, so no lock; a miss costs
    /// one more statement.
    static CACHE: RefCell<HashMap<i64, (AccessKey, Arc<Access>)>> = RefCell::new(HashMap::new());
}

/// The cached names of `user_id` under `key`, if this thread has them.
fn cached(key: AccessKey, user_id: i64) -> Option<Arc<Access>> {
    CACHE.with(|c| match c.borrow().get(&user_id) {
        Some((k, access)) if *k == key => Some(Arc::clone(access)),
        _ => None,
    })
}

fn remember(key: AccessKey, user_id: i64, access: Arc<Access>) {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        // A user's newer entry replaces its older one. Entries of users not
        // seen again stay until the bound; dropping all there is simpler
        // than an LRU and just as correct.
        if c.len() >= CAPACITY && !c.contains_key(&user_id) {
            c.clear();
        }
        c.insert(user_id, (key, access));
    });
}

/// The access column's three lists (JSON nulls are skipped).
type Lists = (
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<String>>,
);

fn parse(json: &str) -> Result<Access, serde_json::Error> {
    let (groups, direct, via_groups): Lists = serde_json::from_str(json)?;
    let mut groups: Vec<String> = groups.into_iter().flatten().collect();
    groups.sort_unstable();
    groups.dedup();
    let permissions = direct.into_iter().chain(via_groups).flatten().collect();
    Ok(Access {
        groups,
        permissions,
    })
}

/// The names of `user_id`: from this thread's cache when `key` (read by the
/// caller's own statement) matches its entry, else from the database, cached
/// under the key read in that same statement.
///
/// # Errors
/// [`DbError`] for database failures or a malformed access column.
pub(crate) async fn load(
    db: &Database,
    key: Option<AccessKey>,
    user_id: i64,
) -> Result<Arc<Access>, DbError> {
    if let Some(hit) = key.and_then(|k| cached(k, user_id)) {
        return Ok(hit);
    }
    const SQLITE: &str = concat!(
        "SELECT u.access_version, ",
        generation_sql!(),
        ", ",
        access_json_sql!("(SELECT json_group_array(", ") ", ")"),
        " FROM portcullis_users u WHERE u.id = $1"
    );
    const POSTGRES: &str = concat!(
        "SELECT u.access_version, ",
        generation_sql!(),
        ", ",
        access_json_sql!("array_to_json(ARRAY(SELECT ", " ", "))::text"),
        " FROM portcullis_users u WHERE u.id = $1"
    );
    let sql = if db.is_sqlite() { SQLITE } else { POSTGRES };
    let row: Option<(i64, Option<i64>, String)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await
        .doing("loading a user's groups and permissions"))?;
    // A user deleted between the two statements has no names.
    let Some((version, generation, json)) = row else {
        return Ok(Arc::default());
    };
    let access = parse(&json)
        .map_err(|e| sqlx::Error::Decode(e.into()))
        .doing("reading a user's groups and permissions")?;
    let access = Arc::new(access);
    if let Some(fresh) = AccessKey::new(version, generation) {
        remember(fresh, user_id, Arc::clone(&access));
    }
    Ok(access)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_merges_and_skips_nulls() {
        let a = parse(r#"[["b","a","a",null],["x.y",null],["x.y","z.w"]]"#).unwrap();
        assert_eq!(a.groups, ["a", "b"]);
        assert_eq!(
            a.permissions.iter().map(String::as_str).collect::<Vec<_>>(),
            ["x.y", "z.w"]
        );
        assert!(parse("[[],[]]").is_err());
    }

    #[test]
    fn cache_is_keyed_by_user_version_and_generation() {
        let names = Arc::new(Access {
            groups: vec!["g".into()],
            ..Access::default()
        });
        let key = |version, generation| AccessKey {
            version,
            generation,
        };
        remember(key(3, -7), 1, Arc::clone(&names));
        assert_eq!(cached(key(3, -7), 1), Some(Arc::clone(&names)));
        assert_eq!(cached(key(3, -6), 1), None, "a newer generation misses");
        assert_eq!(cached(key(4, -7), 1), None, "a newer version misses");
        assert_eq!(cached(key(3, -7), 2), None, "another user misses");
        remember(key(4, -7), 1, Arc::default());
        assert_eq!(cached(key(3, -7), 1), None, "the newer entry replaced it");
        assert_eq!(AccessKey::new(1, None), None, "no generation row, no key");
    }
}
