//! `bench-floor`: the least any database-session page can do — read a
//! cookie, look one row up by primary key with sqlx, answer. Portcullis'
//! guarded page is measured as a ratio of this, on the same database.

use std::{
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{get, web, App, HttpRequest, HttpResponse, HttpServer};
use clap::{Parser, ValueEnum};
use sqlx::{
    postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    },
    ConnectOptions, Connection,
};
use tokio::sync::Semaphore;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PoolMode {
    /// One pool created before `HttpServer::new`, shared by the workers.
    Shared,
    /// A lazily connected pool per worker, driven by that worker's runtime.
    PerWorker,
    /// No pool: each worker's own connections, last in first out, at most
    /// `--max-connections`, given back with no ping, as Portcullis' session
    /// read runs (its `db::reads`).
    Raw,
}

/// One-lookup floor server.
#[derive(Debug, Parser)]
struct Args {
    /// sqlite://FILE or postgres://… (a Portcullis database: `portcullis_sessions` is read).
    #[arg(long)]
    database: String,
    #[arg(long, default_value = "127.0.0.1:8100")]
    bind: String,
    #[arg(long, value_enum, default_value = "per-worker")]
    pool: PoolMode,
    /// Connections per pool (Portcullis' `database.max_connections` default).
    #[arg(long, default_value_t = portcullis::settings::DatabaseSettings::default().max_connections)]
    max_connections: u32,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    RawSqlite(Arc<Raw<SqliteConnection>>),
    RawPostgres(Arc<Raw<PgConnection>>),
}

/// One worker's connections without a pool (a mutex, as Portcullis' has:
/// uncontended on one worker).
struct Raw<C: Connection> {
    options: C::Options,
    idle: Mutex<Vec<C>>,
    permits: Semaphore,
}

impl<C: Connection> Raw<C> {
    fn new(options: C::Options, max: u32) -> Arc<Self> {
        Arc::new(Raw {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(max as usize),
        })
    }

    /// Runs `query` on a connection of this worker's; the connection goes
    /// back only when the query finished without error.
    async fn with<T>(
        &self,
        query: impl AsyncFnOnce(&mut C) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let popped = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut conn = match popped {
            Some(conn) => conn,
            None => self.options.connect().await?,
        };
        let out = query(&mut conn).await?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        Ok(out)
    }
}

fn sqlite_options(url: &str) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5)))
}

fn raw(url: &str, max: u32) -> anyhow::Result<Pool> {
    Ok(if url.starts_with("sqlite:") {
        Pool::RawSqlite(Raw::new(sqlite_options(url)?, max))
    } else {
        Pool::RawPostgres(Raw::new(PgConnectOptions::from_str(url)?, max))
    })
}

fn lazy_pool(url: &str, max: u32) -> anyhow::Result<Pool> {
    Ok(if url.starts_with("sqlite:") {
        let opts = sqlite_options(url)?;
        Pool::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(max)
                .connect_lazy_with(opts),
        )
    } else {
        Pool::Postgres(
            PgPoolOptions::new()
                .max_connections(max)
                .connect_lazy(url)?,
        )
    })
}

const SQL: &str = "SELECT user_id FROM portcullis_sessions WHERE key_hash = $1";

#[get("/floor")]
async fn floor(req: HttpRequest, pool: web::Data<Pool>) -> HttpResponse {
    let Some(key) = req.cookie("sid") else {
        return HttpResponse::Found()
            .insert_header(("Location", "/login"))
            .finish();
    };
    /// The one lookup on `$executor`.
    macro_rules! lookup {
        ($executor:expr) => {
            sqlx::query_as(SQL)
                .bind(key.value())
                .fetch_optional($executor)
                .await
        };
    }
    let row: Result<Option<(Option<i64>,)>, sqlx::Error> = match pool.get_ref() {
        Pool::Sqlite(p) => lookup!(p),
        Pool::Postgres(p) => lookup!(p),
        Pool::RawSqlite(raw) => raw.with(async |c| lookup!(c)).await,
        Pool::RawPostgres(raw) => raw.with(async |c| lookup!(c)).await,
    };
    match row {
        Ok(Some((Some(user),))) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(format!(
                "<!doctype html><title>Floor</title><p>user {user}</p>"
            )),
        Ok(_) => HttpResponse::Found()
            .insert_header(("Location", "/login"))
            .finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Shared mode opens its first connection here, as `Auth::connect` does before `HttpServer::new`.
    let shared = lazy_pool(&args.database, args.max_connections)?;
    match &shared {
        Pool::Sqlite(p) => drop(p.acquire().await?),
        Pool::Postgres(p) => drop(p.acquire().await?),
        // `lazy_pool` makes pools only.
        Pool::RawSqlite(_) | Pool::RawPostgres(_) => {}
    }
    let (url, max, mode) = (args.database.clone(), args.max_connections, args.pool);
    HttpServer::new(move || {
        let pool = match mode {
            PoolMode::Shared => shared.clone(),
            PoolMode::PerWorker => lazy_pool(&url, max).expect("URL parsed above"),
            PoolMode::Raw => raw(&url, max).expect("URL parsed above"),
        };
        App::new().app_data(web::Data::new(pool)).service(floor)
    })
    .bind(&args.bind)?
    .run()
    .await?;
    Ok(())
}
