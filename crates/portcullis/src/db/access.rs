//! A user's group names and effective permission codenames, and a per-thread
//! cache of them keyed by the database's access generation.
//!
//! Migration 0002 keeps one number, `portcullis_access_generation.value`,
//! that triggers move in the same transaction as any change to memberships,
//! permissions or their names. Names read in one statement together with
//! generation `g` stay exact for as long as a later statement still reads
//! `g` (it only ever grows), so the per-request session statement reads the
//! user row and the generation, and the three name subqueries run only when
//! this thread has no names for that user at that generation. Guards still
//! see live data: a grant or revoke committed before a request's statement
//! moves the generation that statement reads.

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
    /// (generation, user id) → names. Per thread: actix workers are
    /// single-threaded, so no lock; a miss costs one more statement.
    static CACHE: RefCell<HashMap<(i64, i64), Arc<Access>>> = RefCell::new(HashMap::new());
}

/// The cached names of `user_id` at `generation`, if this thread has them.
fn cached(generation: i64, user_id: i64) -> Option<Arc<Access>> {
    CACHE.with(|c| c.borrow().get(&(generation, user_id)).cloned())
}

fn remember(generation: i64, user_id: i64, access: Arc<Access>) {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        // Entries of older generations are never read again; dropping all
        // at the bound is simpler than an LRU and just as correct.
        if c.len() >= CAPACITY {
            c.clear();
        }
        c.insert((generation, user_id), access);
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

/// The names of `user_id`: from this thread's cache when `generation` (read
/// by the caller's own statement) matches an entry, else from the database,
/// cached under the generation read in that same statement.
///
/// # Errors
/// [`DbError`] for database failures or a malformed access column.
pub(crate) async fn load(
    db: &Database,
    generation: Option<i64>,
    user_id: i64,
) -> Result<Arc<Access>, DbError> {
    if let Some(hit) = generation.and_then(|g| cached(g, user_id)) {
        return Ok(hit);
    }
    const SQLITE: &str = concat!(
        "SELECT ",
        generation_sql!(),
        ", ",
        access_json_sql!("(SELECT json_group_array(", ") ", ")"),
        " FROM portcullis_users u WHERE u.id = $1"
    );
    const POSTGRES: &str = concat!(
        "SELECT ",
        generation_sql!(),
        ", ",
        access_json_sql!("array_to_json(ARRAY(SELECT ", " ", "))::text"),
        " FROM portcullis_users u WHERE u.id = $1"
    );
    let sql = if db.is_sqlite() { SQLITE } else { POSTGRES };
    let row: Option<(Option<i64>, String)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await
        .doing("loading a user's groups and permissions"))?;
    // A user deleted between the two statements has no names.
    let Some((fresh, json)) = row else {
        return Ok(Arc::default());
    };
    let access = parse(&json)
        .map_err(|e| sqlx::Error::Decode(e.into()))
        .doing("reading a user's groups and permissions")?;
    let access = Arc::new(access);
    // Without the generation row (deleted by hand) nothing may be cached.
    if let Some(fresh) = fresh {
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
    fn cache_is_keyed_by_generation_and_user() {
        let names = Arc::new(Access {
            groups: vec!["g".into()],
            ..Access::default()
        });
        remember(-7, 1, Arc::clone(&names));
        assert_eq!(cached(-7, 1), Some(names));
        assert_eq!(cached(-6, 1), None, "a newer generation misses");
        assert_eq!(cached(-7, 2), None, "another user misses");
    }
}
