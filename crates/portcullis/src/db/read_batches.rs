//! [`ReadBatches`]: session reads that arrive on one worker's PostgreSQL
//! connections while all of them are busy, answered together by the next
//! connection that comes free.
//!
//! A PostgreSQL statement costs its server process a fixed price (waking
//! up, a snapshot, the protocol's messages) several times that of the index
//! lookups in it: under load a page's one session read cost the server more
//! CPU than the page cost the app, on cores the two share on a small host
//! (docs/BENCHMARKS.md). So reads that would wait for a connection anyway
//! go to the next one free in one statement. Nothing waits for a batch to
//! fill: a read that finds a connection free runs at once, alone. SQLite
//! runs in the process and keeps its one-key statement.

use std::{
    collections::VecDeque,
    sync::{Mutex, PoisonError},
};

use tokio::sync::oneshot;

use super::{
    now,
    session_reads::Lease,
    sessions::{self, JoinedRow},
    DbError, Doing,
};

/// At most this many keys a statement; more wait for the next one. Each key
/// adds one index lookup to a statement that costs about six of them alone.
const MOST: usize = 32;

const DOING: &str = "loading a session";

/// The reads waiting for a connection, first come first served.
#[derive(Debug, Default)]
pub(crate) struct ReadBatches {
    waiting: Mutex<VecDeque<Waiter>>,
    /// Statements run, for the tests to see reads go together.
    #[cfg(test)]
    statements: std::sync::atomic::AtomicUsize,
}

#[derive(Debug)]
struct Waiter {
    key_hash: String,
    idle_cutoff: i64,
    answer: oneshot::Sender<Answer>,
}

/// What a statement sends each read it carried.
#[derive(Debug)]
enum Answer {
    Row(Option<JoinedRow>),
    /// The statement failed: the read runs again alone, for its own error
    /// (sent to all, one failure would be copied into every page's answer).
    Failed,
}

type Connections = super::session_reads::Connections<sqlx::Postgres>;

impl ReadBatches {
    /// The live row for `key_hash`, as [`sessions::load_with_user_on`]
    /// reads it, in a statement with whatever other reads are waiting when
    /// a connection of `conns` comes free.
    ///
    /// # Errors
    /// [`DbError`] when no connection came free or the statement failed.
    pub(crate) async fn read(
        &self,
        conns: &Connections,
        key_hash: &str,
        idle_cutoff: i64,
    ) -> Result<Option<JoinedRow>, DbError> {
        loop {
            let (answer, mut rx) = oneshot::channel();
            self.lock().push_back(Waiter {
                key_hash: key_hash.to_owned(),
                idle_cutoff,
                answer,
            });
            let answer = tokio::select! {
                biased;
                answer = &mut rx => answer,
                turn = conns.turn() => {
                    // Not raced with the answer any more: a connection
                    // dropped while it opens is lost.
                    let lease = conns.lease_on(turn.doing(DOING)?).await.doing(DOING)?;
                    self.serve(lease, &mut rx).await;
                    rx.await
                }
            };
            match answer {
                Ok(Answer::Row(row)) => return Ok(row),
                Ok(Answer::Failed) => return alone(conns, key_hash, idle_cutoff).await,
                // The read that carried this one was cut off mid-statement
                // (its client went): wait again.
                Err(_cut_off) => {}
            }
        }
    }

    /// Runs the waiting reads on `lease`, a statement at a time, until this
    /// read's own answer came (another statement may be carrying it) or
    /// none wait: a read whose key is past the first [`MOST`] is never left
    /// without a connection to take it.
    async fn serve(
        &self,
        mut lease: Lease<'_, sqlx::Postgres>,
        own: &mut oneshot::Receiver<Answer>,
    ) {
        loop {
            let batch: Vec<Waiter> = {
                let mut waiting = self.lock();
                let n = waiting.len().min(MOST);
                waiting.drain(..n).collect()
            };
            if batch.is_empty() {
                break;
            }
            let keys: Vec<&str> = batch.iter().map(|w| w.key_hash.as_str()).collect();
            // The strictest cutoff of those waiting: as if all had come now.
            let cutoff = batch
                .iter()
                .map(|w| w.idle_cutoff)
                .max()
                .unwrap_or(i64::MIN);
            #[cfg(test)]
            self.statements
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match sessions::fetch_many(lease.conn(), &keys, now(), cutoff).await {
                Ok(rows) => {
                    for w in batch {
                        let row = rows
                            .iter()
                            .find(|(key, _)| *key == w.key_hash)
                            .map(|(_, row)| row.clone());
                        // A read gone meanwhile needs no answer.
                        let _ = w.answer.send(Answer::Row(row));
                    }
                }
                Err(_) => {
                    for w in batch {
                        let _ = w.answer.send(Answer::Failed);
                    }
                    // Dropped unfinished: pinged before its next use.
                    return;
                }
            }
            if !own.is_empty() {
                break;
            }
        }
        lease.finish();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Waiter>> {
        // Nothing panics while holding it; if something did, the queue is still whole.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One read in a statement of its own, for its own error.
async fn alone(
    conns: &Connections,
    key_hash: &str,
    idle_cutoff: i64,
) -> Result<Option<JoinedRow>, DbError> {
    let mut lease = conns.lease().await.doing(DOING)?;
    let rows = sessions::fetch_many(lease.conn(), &[key_hash], now(), idle_cutoff)
        .await
        .doing(DOING)?;
    lease.finish();
    Ok(rows.into_iter().next().map(|(_, row)| row))
}

#[cfg(test)]
mod tests {
    use std::{sync::atomic::Ordering, sync::Arc, time::Duration};

    use super::*;
    use crate::{
        db::{session_reads::SessionReadPool, Database},
        settings::DatabaseSettings,
    };

    /// A new, migrated PostgreSQL database, or None with a visible skip
    /// (never under CI, as the integration suite's rule).
    async fn fresh_postgres() -> Option<Database> {
        let base = crate::db::test_postgres_url()?;
        let name = format!("pt_batch_{:016x}", rand::random::<u64>());
        let admin = sqlx::PgPool::connect(&base).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (prefix, _) = base.rsplit_once('/').unwrap();
        let db = Database::connect(&DatabaseSettings {
            url: format!("{prefix}/{name}"),
            max_connections: 4,
            ..Default::default()
        })
        .await
        .unwrap();
        db.migrate().await.unwrap();
        Some(db)
    }

    fn pool(db: &Database) -> &sqlx::PgPool {
        match db {
            Database::Postgres(pool) => pool,
            Database::Sqlite(_) => panic!("expected PostgreSQL"),
        }
    }

    fn parts(reads: &SessionReadPool) -> (&Connections, &ReadBatches) {
        match reads {
            SessionReadPool::Postgres { conns, batches } => (conns, batches),
            SessionReadPool::Sqlite(_) => panic!("expected PostgreSQL"),
        }
    }

    /// A user and the sessions the tests read: key → (user, expires_at,
    /// last_seen).
    async fn sessions(db: &Database) -> i64 {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO portcullis_users (username, username_canonical, email, email_canonical, \
             password_hash, is_active, is_staff, is_superuser, created_at) \
             VALUES ('ada', 'ada', 'ada@example.com', 'ada@example.com', '', true, true, false, 0) \
             RETURNING id",
        )
        .fetch_one(pool(db))
        .await
        .unwrap();
        let t = now();
        let rows: [(&str, Option<i64>, i64, i64); 4] = [
            ("signed-in", Some(user), t + 3600, t),
            ("anonymous", None, t + 3600, t),
            ("expired", Some(user), t - 1, t - 7200),
            ("idle", Some(user), t + 3600, t - 7200),
        ];
        for (key, user, expires_at, last_seen) in rows {
            sqlx::query(
                "INSERT INTO portcullis_sessions (key_hash, user_id, data, created_at, last_seen, expires_at) \
                 VALUES ($1, $2, $3, $4, $4, $5)",
            )
            .bind(key)
            .bind(user)
            .bind(format!("{{\"k\":\"{key}\"}}"))
            .bind(last_seen)
            .bind(expires_at)
            .execute(pool(db))
            .await
            .unwrap();
        }
        user
    }

    /// What a read found: the session's data and its user's id.
    fn seen(row: Option<JoinedRow>) -> Option<(String, Option<i64>)> {
        row.map(|JoinedRow(s, u)| (s.data, u.map(|(u, _)| u.id)))
    }

    /// Idle for an hour counts as idle.
    fn cutoff() -> i64 {
        now() - 3600
    }

    /// Waits (yielding to the reads) until `n` reads are queued.
    async fn queued(batches: &ReadBatches, n: usize) {
        for _ in 0..1000 {
            if batches.lock().len() == n {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("{} reads queued, expected {n}", batches.lock().len());
    }

    #[tokio::test]
    async fn reads_waiting_for_a_connection_go_in_one_statement_each_with_its_own_answer() {
        let Some(db) = fresh_postgres().await else {
            return;
        };
        let user = sessions(&db).await;
        let reads = SessionReadPool::beside(&db).unwrap();
        let (conns, batches) = parts(&reads);
        // Both of the worker's connections busy (two at most, whatever the pool's size).
        let busy = [conns.lease().await.unwrap(), conns.lease().await.unwrap()];

        let keys = [
            "signed-in",
            "anonymous",
            "expired",
            "idle",
            "no-such-key",
            "signed-in",
        ];
        let all = futures_util::future::join_all(
            keys.iter().map(|key| batches.read(conns, key, cutoff())),
        );
        let free = async {
            queued(batches, keys.len()).await;
            for lease in busy {
                lease.finish();
            }
        };
        let (answers, ()) = tokio::join!(all, free);
        let answers: Vec<_> = answers.into_iter().map(|a| seen(a.unwrap())).collect();
        let signed_in = Some(("{\"k\":\"signed-in\"}".to_owned(), Some(user)));
        assert_eq!(
            answers,
            [
                signed_in.clone(),
                Some(("{\"k\":\"anonymous\"}".to_owned(), None)),
                None,
                None,
                None,
                signed_in,
            ]
        );
        assert_eq!(batches.statements.load(Ordering::Relaxed), 1);

        // Alone, a read runs at once in a statement of its own.
        let one = batches.read(conns, "anonymous", cutoff()).await.unwrap();
        assert_eq!(seen(one).map(|(_, u)| u), Some(None));
        assert_eq!(batches.statements.load(Ordering::Relaxed), 2);
        assert!(batches.lock().is_empty());
    }

    /// The read whose connection carries the others is cut off mid-statement
    /// (its client went): the others wait again, and get their answers.
    /// The statement is held on a table lock until the server shows it
    /// waiting, so it is cut off mid-way on any machine.
    #[tokio::test]
    async fn reads_carried_by_one_cut_off_mid_statement_still_get_their_answers() {
        let Some(db) = fresh_postgres().await else {
            return;
        };
        let user = sessions(&db).await;
        let reads = Arc::new(SessionReadPool::beside(&db).unwrap());
        let (conns, batches) = parts(&reads);
        let busy = [conns.lease().await.unwrap(), conns.lease().await.unwrap()];
        let read = |key: &'static str| {
            let reads = Arc::clone(&reads);
            tokio::spawn(async move {
                let (conns, batches) = parts(&reads);
                batches.read(conns, key, cutoff()).await.map(seen)
            })
        };
        let carrier = read("anonymous");
        queued(batches, 1).await;
        let others = [read("signed-in"), read("no-such-key")];
        queued(batches, 3).await;

        let mut lock = pool(&db).begin().await.unwrap();
        sqlx::query("LOCK TABLE portcullis_sessions IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *lock)
            .await
            .unwrap();
        let [first, second] = busy;
        first.finish();
        // The carrier took all three into its statement, which waits on the lock.
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND query LIKE '%unnest%'",
            )
            .fetch_one(pool(&db))
            .await
            .unwrap();
            if waiting == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(batches.lock().is_empty());
        carrier.abort();
        assert!(carrier.await.unwrap_err().is_cancelled());
        lock.commit().await.unwrap();

        let [signed_in, unknown] = others;
        assert_eq!(
            signed_in.await.unwrap().unwrap(),
            Some(("{\"k\":\"signed-in\"}".to_owned(), Some(user)))
        );
        assert_eq!(unknown.await.unwrap().unwrap(), None);
        second.finish();
        assert!(batches.lock().is_empty());
    }

    /// A statement that fails (its server process was ended) fails no page:
    /// each read it carried runs again alone, on a new connection.
    #[tokio::test]
    async fn reads_carried_by_a_failed_statement_run_again_alone() {
        let Some(db) = fresh_postgres().await else {
            return;
        };
        let user = sessions(&db).await;
        let reads = SessionReadPool::beside(&db).unwrap();
        let (conns, batches) = parts(&reads);
        let mut doomed = conns.lease().await.unwrap();
        let other = conns.lease().await.unwrap();
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(doomed.conn())
            .await
            .unwrap();
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(pool(&db))
            .await
            .unwrap();
        assert!(ended);

        let keys = ["signed-in", "anonymous", "no-such-key"];
        let all = futures_util::future::join_all(
            keys.iter().map(|key| batches.read(conns, key, cutoff())),
        );
        let free = async {
            queued(batches, keys.len()).await;
            // Given back as sound: the next statement on it is the one to fail.
            doomed.finish();
        };
        let (answers, ()) = tokio::join!(all, free);
        let answers: Vec<_> = answers.into_iter().map(|a| seen(a.unwrap())).collect();
        assert_eq!(
            answers,
            [
                Some(("{\"k\":\"signed-in\"}".to_owned(), Some(user))),
                Some(("{\"k\":\"anonymous\"}".to_owned(), None)),
                None,
            ]
        );
        // The one that failed; the reads then ran alone, outside the batches.
        assert_eq!(batches.statements.load(Ordering::Relaxed), 1);
        other.finish();
    }
}
