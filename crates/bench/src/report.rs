//! The results table and the budgets of docs/BENCHMARKS.md.

use std::{fmt::Write as _, time::Duration};

use serde::Serialize;

use crate::{
    backend::{BackendResult, ATTACK_SHARE_OF_FLOOR},
    stats::Summary,
    Plan,
};

/// One budget line: a measured value against its limit.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub value: f64,
    /// The budget (docs/BENCHMARKS.md, "Budgets").
    pub limit: f64,
    /// True: value must be ≥ limit; false: ≤ limit.
    pub at_least: bool,
    /// The limit this run enforces: the budget, a regression gate below a
    /// budget not met yet (quick runs), or none (absolute latencies in quick runs).
    pub enforced_limit: Option<f64>,
    pub passed: bool,
    pub gate_passed: bool,
}

/// How a budget is enforced.
#[derive(Clone, Copy)]
enum Kind {
    /// A ratio or memory figure: enforced as is in every run.
    Ratio,
    /// An absolute latency: machines differ, so only full runs enforce it.
    Absolute,
    /// A ratio the code does not meet yet: quick runs enforce this lower
    /// gate so it cannot slip further; full runs report the miss.
    Gate(f64),
}

/// Django's figures, measured in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct DjangoResult {
    pub page: Summary,
    pub rss_mib: f64,
    pub logins: Summary,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub quick: bool,
    pub cores: usize,
    pub hash_ms: f64,
    pub login_ceiling_per_sec: f64,
    pub backends: Vec<BackendResult>,
    pub django: Option<DjangoResult>,
    pub checks: Vec<Check>,
}

/// 30 logins/s of the reference machine's ~111/s argon2 ceiling.
const FLOOD_LOGIN_SHARE: f64 = 30.0 / 111.0;

impl Report {
    pub fn new(
        plan: &Plan,
        cores: usize,
        hash: Duration,
        backends: Vec<BackendResult>,
        django: Option<(Summary, f64, Summary)>,
    ) -> Report {
        let hash_ms = hash.as_secs_f64() * 1e3;
        let ceiling = cores as f64 * 1000.0 / hash_ms;
        let django = django.map(|(page, rss_mib, logins)| DjangoResult {
            page,
            rss_mib,
            logins,
        });
        let mut checks = vec![];
        let mut add = |name: String, value: f64, limit: f64, at_least: bool, kind: Kind| {
            let holds = |l: f64| if at_least { value >= l } else { value <= l };
            let enforced_limit = match kind {
                Kind::Ratio => Some(limit),
                Kind::Absolute => (!plan.quick).then_some(limit),
                Kind::Gate(gate) => Some(if plan.quick { gate } else { limit }),
            };
            checks.push(Check {
                name,
                value,
                limit,
                at_least,
                enforced_limit,
                passed: holds(limit),
                gate_passed: enforced_limit.is_none_or(holds),
            });
        };
        use Kind::{Absolute, Gate, Ratio};
        for b in &backends {
            let n = &b.backend;
            let pg = n == "postgres";
            let floor = b.floor_rate();
            let page_p99 = if pg { 25.0 } else { 10.0 };
            let conns = (plan.page_conns, plan.login_conns);
            // Logins/s as a share of this backend's ceiling: cores ÷ one hash.
            let of_ceiling = |per_sec: f64| per_sec * b.hash_ms / (1000.0 * cores as f64);
            add(
                format!("{n}: guarded page ÷ one-lookup floor"),
                b.page.per_sec / floor,
                0.80,
                true,
                // Met on both databases, so every run enforces the budget itself.
                Ratio,
            );
            add(
                format!("{n}: guarded page p99 ms @{} conns", conns.0),
                b.page.p99_ms,
                page_p99,
                false,
                Absolute,
            );
            if !pg {
                add(
                    format!("{n}: RSS under page load, MiB"),
                    b.rss_page_mib,
                    32.0,
                    false,
                    Ratio,
                );
            }
            add(
                format!(
                    "{n}: logins/s ÷ argon2 ceiling (cores ÷ {:.1} ms)",
                    b.hash_ms
                ),
                of_ceiling(b.logins.per_sec),
                0.75,
                true,
                // A stolen second of CPU moves a 5 s login count a lot (quick
                // runs' spread: docs/BENCHMARKS.md), so the gate sits well
                // below the budget: a login that hashed twice, or hashing
                // serialised on one thread, still fails it.
                Gate(0.50),
            );
            add(
                format!("{n}: login p99 ms @{} conns", conns.1),
                b.logins.p99_ms,
                250.0,
                false,
                Absolute,
            );
            add(
                format!("{n}: unknown-user login time ÷ wrong-password login − 1 (abs)"),
                (b.login_unknown_ms / b.login_wrong_ms - 1.0).abs(),
                0.10,
                false,
                Gate(0.20),
            );
            for (what, ms) in [
                ("unknown user", b.login_unknown_ms),
                ("wrong password", b.login_wrong_ms),
            ] {
                add(
                    format!("{n}: {what} login time ÷ successful login − 1 (abs)"),
                    (ms / b.login_ok_ms - 1.0).abs(),
                    0.10,
                    false,
                    Gate(0.35),
                );
            }
            add(
                format!("{n}: flood: guarded page p99 ms"),
                b.flood_page.p99_ms,
                15.0,
                false,
                Absolute,
            );
            add(
                format!("{n}: flood: guarded req/s ÷ unloaded"),
                b.flood_page.per_sec / b.page.per_sec,
                0.45,
                true,
                Gate(0.30),
            );
            add(
                format!("{n}: flood: logins/s ÷ 30/s on 2 cores"),
                b.flood_logins.per_sec / (15.0 * cores as f64),
                1.0,
                true,
                Absolute,
            );
            // The same budget without the machine's speed in it: 30/s as a
            // share of the reference machine's ~111/s ceiling (docs/BENCHMARKS.md, Method).
            add(
                format!("{n}: flood: logins/s ÷ argon2 ceiling"),
                of_ceiling(b.flood_logins.per_sec),
                FLOOD_LOGIN_SHARE,
                true,
                // Low: on PostgreSQL the server's own processes take part of
                // the cores (full-run figures: docs/BENCHMARKS.md).
                Gate(0.12),
            );
            add(
                format!("{n}: flood: RSS MiB"),
                b.rss_flood_mib,
                80.0,
                false,
                Ratio,
            );
            add(
                format!("{n}: overload: shed answers carrying Retry-After ÷ shed"),
                ratio(b.overload_shed_with_retry_after, b.overload_shed),
                1.0,
                true,
                Ratio,
            );
            add(
                format!("{n}: overload: accepted-login p99 ms"),
                b.overload.p99_ms,
                2_000.0,
                false,
                Absolute,
            );
            add(
                format!("{n}: overload: transport errors"),
                b.overload.errors as f64,
                0.0,
                false,
                Ratio,
            );
            add(
                format!("{n}: new visitor's login page (no cookie) ÷ guarded page"),
                b.login_page.per_sec / b.page.per_sec,
                0.80,
                true,
                Ratio,
            );
            add(
                format!(
                    "{n}: new visitors' login pages: session rows written ({} requests measured)",
                    b.login_page_requests
                ),
                b.login_page_rows_written as f64,
                0.0,
                false,
                Ratio,
            );
            add(
                format!("{n}: new visitors' login pages measured"),
                b.login_page_requests as f64,
                10_000.0,
                true,
                Ratio,
            );
            add(
                format!("{n}: locked account: refused attempts/s ÷ one-lookup floor"),
                b.locked.per_sec / floor,
                0.50,
                true,
                Ratio,
            );
            // The limit (5 failures in 5 minutes an account) is a sliding
            // window: as the previous window's weight fades, about one
            // attempt a minute is checked (and fails, refilling it). The
            // attack lasts up to two minutes: more than the limit's
            // own 5 checked would mean refusals stopped.
            add(
                format!(
                    "{n}: locked account: attempts answered other than 429 (the sliding window checks about one a minute)"
                ),
                (b.locked.other
                    + b.locked_flood_attempts.other
                    + b.locked_flood_page_attempts.other) as f64,
                5.0,
                false,
                Ratio,
            );
            add(
                format!(
                    "{n}: locked account under attack: attempts answered/s ÷ one-lookup floor (sent at {ATTACK_SHARE_OF_FLOOR})"
                ),
                b.locked_flood_attempts
                    .per_sec
                    .min(b.locked_flood_page_attempts.per_sec)
                    / floor,
                0.50,
                true,
                Ratio,
            );
            add(
                format!("{n}: locked account under attack: others' logins/s ÷ argon2 ceiling"),
                of_ceiling(b.locked_flood_logins.per_sec),
                0.50,
                true,
                // A 5 s quick phase moves a login count a lot (see the logins gate).
                Gate(0.30),
            );
            add(
                format!("{n}: locked account under attack: guarded page p99 ms"),
                b.locked_flood_page.p99_ms,
                15.0,
                false,
                Absolute,
            );
            add(
                format!(
                    "{n}: signup burst: accounts created ÷ sent ({} at once; 100, or 75 % of the logins the server completes in the default 1 s wait, when fewer than ~133)",
                    b.burst.sent
                ),
                b.burst.created as f64 / b.burst.sent.max(1) as f64,
                1.0,
                true,
                Ratio,
            );
            add(
                format!("{n}: signup burst: seconds until the last answer"),
                b.burst.secs,
                5.0,
                false,
                Absolute,
            );
            add(
                // Mean latency (connections ÷ req/s in a closed loop): on
                // PostgreSQL the p50 sometimes lands in one of two modes.
                format!("{n}: large store: mean latency ÷ small store"),
                b.small_page.per_sec / b.big_page.per_sec,
                1.20,
                false,
                Ratio,
            );
        }
        if let (Some(d), Some(sqlite)) = (&django, backends.iter().find(|b| b.backend == "sqlite"))
        {
            add(
                "sqlite: guarded page ÷ Django's".into(),
                sqlite.page.per_sec / d.page.per_sec,
                25.0,
                true,
                Ratio,
            );
        }
        Report {
            quick: plan.quick,
            cores,
            hash_ms,
            login_ceiling_per_sec: ceiling,
            backends,
            django,
            checks,
        }
    }

    /// True when every limit this run enforces holds.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.gate_passed)
    }

    /// The tables docs/BENCHMARKS.md shows.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} cores; argon2id hash {:.1} ms → login ceiling {:.0}/s{}\n",
            self.cores,
            self.hash_ms,
            self.login_ceiling_per_sec,
            if self.quick { " (quick run)" } else { "" }
        );
        let _ = writeln!(s, "| server | page req/s | p50 ms | p99 ms | RSS MiB |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        for b in &self.backends {
            let row = |s: &mut String, name: &str, x: &Summary, rss: Option<f64>| {
                let _ = writeln!(
                    s,
                    "| {name} | {:.0} | {:.2} | {:.2} | {} |",
                    x.per_sec,
                    x.p50_ms,
                    x.p99_ms,
                    rss.map_or("".into(), |r| format!("{r:.1}"))
                );
            };
            let n = &b.backend;
            row(
                &mut s,
                &format!("floor, {n}, pool per worker"),
                &b.floor_per_worker,
                None,
            );
            row(
                &mut s,
                &format!("floor, {n}, shared pool"),
                &b.floor_shared,
                None,
            );
            row(
                &mut s,
                &format!("floor, {n}, raw connections per worker, no pool"),
                &b.floor_raw,
                None,
            );
            row(
                &mut s,
                &format!("**Portcullis `/dashboard`, {n}**, pool per worker"),
                &b.page,
                Some(b.rss_page_mib),
            );
            row(
                &mut s,
                &format!("Portcullis `/dashboard`, {n}, shared pool"),
                &b.page_shared_pool,
                None,
            );
            row(
                &mut s,
                &format!("Portcullis, {n}, during login flood"),
                &b.flood_page,
                Some(b.rss_flood_mib),
            );
            row(
                &mut s,
                &format!("floor, {n}, pool per worker, during the same login flood"),
                &b.flood_floor,
                None,
            );
            row(
                &mut s,
                &format!("Portcullis `/login`, {n}, a new visitor (no cookie)"),
                &b.login_page,
                None,
            );
            row(
                &mut s,
                &format!("Portcullis, {n}, attempts at a locked account (429)"),
                &b.locked,
                None,
            );
            row(
                &mut s,
                &format!(
                    "Portcullis, {n}, during logins and attempts at a locked account ({:.0}/s)",
                    b.locked_flood_page_attempts.per_sec
                ),
                &b.locked_flood_page,
                None,
            );
            row(
                &mut s,
                &format!(
                    "floor, {n}, pool per worker, during the same logins and attempts at the demo"
                ),
                &b.locked_flood_floor,
                None,
            );
            if let Some(raw) = &b.locked_flood_floor_raw {
                row(
                    &mut s,
                    &format!("floor, {n}, raw connections per worker, during the same logins and attempts at the demo"),
                    raw,
                    None,
                );
            }
            row(
                &mut s,
                &format!("Portcullis, {n}, small store, interleaved with the large one"),
                &b.small_page,
                None,
            );
            row(
                &mut s,
                &format!(
                    "Portcullis, {n}, {} sessions / {} users",
                    b.big_sessions, b.big_users
                ),
                &b.big_page,
                None,
            );
        }
        if let Some(d) = &self.django {
            let _ = writeln!(
                s,
                "| Django + gunicorn, sqlite | {:.0} | {:.2} | {:.2} | {:.1} |",
                d.page.per_sec, d.page.p50_ms, d.page.p99_ms, d.rss_mib
            );
        }
        for b in &self.backends {
            let _ = writeln!(
                s,
                "\n{}: RSS idle {:.1} MiB, under page load {:.1} MiB, under login flood {:.1} MiB.",
                b.backend, b.rss_idle_mib, b.rss_page_mib, b.rss_flood_mib
            );
            let _ = writeln!(
                s,
                "{}: guarded page ÷ the floor on raw connections (as Portcullis' session read runs: the auth layer's own cost): {:.2}.",
                b.backend,
                b.page.per_sec / b.floor_raw.per_sec
            );
            let _ = writeln!(
                s,
                "{}: {} cookieless GET /login wrote {} session rows; a signup burst of {} created {} accounts ({} shed) in {:.2} s; beside attempts at a locked account (sent at {:.0}/s, answered at {:.0}/s), the crowd signed in {:.1}/s.",
                b.backend,
                b.login_page_requests,
                b.login_page_rows_written,
                b.burst.sent,
                b.burst.created,
                b.burst.shed,
                b.burst.secs,
                b.locked_attack_rate,
                b.locked_flood_attempts.per_sec,
                b.locked_flood_logins.per_sec
            );
            let _ = writeln!(
                s,
                "{}: during the login flood the floor's p99 was {:.1} ms beside {:.1} logins/s; the guarded page's {:.1} ms beside {:.1} logins/s.",
                b.backend,
                b.flood_floor.p99_ms,
                b.flood_floor_logins.per_sec,
                b.flood_page.p99_ms,
                b.flood_logins.per_sec
            );
            let _ = writeln!(
                s,
                "{}: beside the logins and the attempts at a locked account, the guarded page's p99s were {}, the floor's (pool per worker) {} and the raw-connection floor's {} (alternated, in the order run).",
                b.backend,
                list_ms(&b.locked_flood_page_p99s),
                list_ms(&b.locked_flood_floor_p99s),
                list_ms(&b.locked_flood_floor_raw_p99s)
            );
        }
        let _ = writeln!(s, "\n| logins | per s | p50 ms | p99 ms | shed | other |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
        for b in &self.backends {
            let n = &b.backend;
            for (what, x, shed) in [
                ("8 conns", &b.logins, 0),
                ("8 conns during page load", &b.flood_logins, 0),
                ("8 conns during floor load", &b.flood_floor_logins, 0),
                ("256 conns (overload)", &b.overload, b.overload_shed),
            ] {
                let _ = writeln!(
                    s,
                    "| {n}, {what} | {:.1} | {:.1} | {:.1} | {shed} | {} |",
                    x.per_sec,
                    x.p50_ms,
                    x.p99_ms,
                    x.other - shed
                );
            }
            let _ = writeln!(
                s,
                "| {n}, one at a time: ok / unknown user / wrong password (ms) | {:.1} / {:.1} / {:.1} | | | | |",
                b.login_ok_ms, b.login_unknown_ms, b.login_wrong_ms
            );
        }
        if let Some(d) = &self.django {
            let _ = writeln!(
                s,
                "| Django (argon2id, same parameters), 8 conns | {:.1} | {:.1} | {:.1} | | {} |",
                d.logins.per_sec, d.logins.p50_ms, d.logins.p99_ms, d.logins.other
            );
        }
        let _ = writeln!(s, "\n| budget | measured | limit | result |");
        let _ = writeln!(s, "|---|---:|---:|---|");
        for c in &self.checks {
            let verdict = match (c.passed, c.gate_passed, c.enforced_limit) {
                (true, _, _) => "pass".to_owned(),
                (false, false, _) => "**FAIL**".to_owned(),
                (false, true, None) => "miss (not enforced in quick runs)".to_owned(),
                (false, true, Some(gate)) => {
                    format!("miss (not met yet; gate {} holds)", short(gate))
                }
            };
            let _ = writeln!(
                s,
                "| {} | {:.2} | {} {} | {verdict} |",
                c.name,
                c.value,
                if c.at_least { "≥" } else { "≤" },
                short(c.limit)
            );
        }
        s
    }
}

/// A limit as people write it: at most two decimals, no trailing zeros.
fn short(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// `[1.0, 2.5]` as "1.0, 2.5 ms"; none as "not measured" (the quick run).
fn list_ms(xs: &[f64]) -> String {
    if xs.is_empty() {
        return "not measured".into();
    }
    let ms: Vec<_> = xs.iter().map(|x| format!("{x:.1}")).collect();
    format!("{} ms", ms.join(", "))
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn limits_print_as_written() {
        assert_eq!(short(2000.0), "2000");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(30.0 / 111.0), "0.27");
        assert_eq!(short(1.2), "1.2");
    }
}
