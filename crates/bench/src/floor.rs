//! `bench-floor`: the least any database-session page can do — read a
//! cookie, look one row up by primary key with sqlx, answer. Portcullis'
//! guarded page is measured as a ratio of this, on the same database.

use std::{str::FromStr, time::Duration};

use actix_web::{get, web, App, HttpRequest, HttpResponse, HttpServer};
use clap::{Parser, ValueEnum};
use sqlx::{
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions},
};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PoolMode {
    /// One pool created before `HttpServer::new`, shared by the workers.
    Shared,
    /// A lazily connected pool per worker, driven by that worker's runtime.
    PerWorker,
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
    /// Connections per pool.
    #[arg(long, default_value_t = 10)]
    max_connections: u32,
    /// Skip sqlx's ping before each acquire (its default pings), as
    /// Portcullis' SQLite pool does for connections in steady use.
    #[arg(long)]
    no_acquire_ping: bool,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

fn lazy_pool(url: &str, max: u32, ping: bool) -> anyhow::Result<Pool> {
    Ok(if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        Pool::Sqlite(
            SqlitePoolOptions::new()
                .test_before_acquire(ping)
                .max_connections(max)
                .connect_lazy_with(opts),
        )
    } else {
        Pool::Postgres(
            PgPoolOptions::new()
                .test_before_acquire(ping)
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
    let row: Result<Option<(Option<i64>,)>, sqlx::Error> = match pool.get_ref() {
        Pool::Sqlite(p) => {
            sqlx::query_as(SQL)
                .bind(key.value())
                .fetch_optional(p)
                .await
        }
        Pool::Postgres(p) => {
            sqlx::query_as(SQL)
                .bind(key.value())
                .fetch_optional(p)
                .await
        }
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
    let ping = !args.no_acquire_ping;
    let shared = lazy_pool(&args.database, args.max_connections, ping)?;
    match &shared {
        Pool::Sqlite(p) => drop(p.acquire().await?),
        Pool::Postgres(p) => drop(p.acquire().await?),
    }
    let (url, max, mode) = (args.database.clone(), args.max_connections, args.pool);
    HttpServer::new(move || {
        let pool = match mode {
            PoolMode::Shared => shared.clone(),
            PoolMode::PerWorker => lazy_pool(&url, max, ping).expect("URL parsed above"),
        };
        App::new().app_data(web::Data::new(pool)).service(floor)
    })
    .bind(&args.bind)?
    .run()
    .await?;
    Ok(())
}
