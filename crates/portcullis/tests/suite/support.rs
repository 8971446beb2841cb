//! Test harness: a fresh database per test (SQLite file or a new PostgreSQL
//! database), the real app in-process, and a browser-like cookie jar.

use std::{
    collections::HashMap,
    io::Write,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use actix_http::Request;
use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse},
    http::{header, StatusCode},
    test, web, App, Error, HttpRequest, HttpResponse, Responder,
};
use portcullis::{
    guard::{
        group_required, login_required, permission_required, staff_required, superuser_required,
        Denial, OptionalUser, Require,
    },
    Auth, AuthAppExt, NewUser, Settings, User,
};

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `PORTCULLIS_TEST_POSTGRES_URL` is set; under CI it
    /// must be. Elsewhere a skip says so on stderr (`cargo nextest run
    /// --no-capture` shows it), so a green run without a server is not
    /// mistaken for a full one.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("PORTCULLIS_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "PORTCULLIS_TEST_POSTGRES_URL must be set under CI (scripts/test.sh starts PostgreSQL)"
                );
                eprintln!(
                    "SKIPPED: {}: PORTCULLIS_TEST_POSTGRES_URL not set",
                    std::thread::current().name().unwrap_or("a PostgreSQL test")
                );
                None
            }
        }
    }
}

pub struct Ctx {
    pub auth: Auth,
    _dir: tempfile::TempDir,
}

impl Ctx {
    /// A context around an `Auth` built elsewhere (its database directory
    /// kept by the caller).
    pub fn of(auth: Auth) -> Ctx {
        Ctx {
            auth,
            _dir: tempfile::tempdir().unwrap(),
        }
    }
}

async fn fresh_url(backend: &Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/test.db?mode=rwc", dir.path().display()),
        Backend::Postgres(base) => {
            let name = format!("pt_{}", rand_suffix());
            let pool = sqlx::PgPool::connect(base)
                .await
                .expect("connect to the PostgreSQL test server");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create a test database");
            pool.close().await;
            let (prefix, _) = base.rsplit_once('/').expect("URL has a database name");
            format!("{prefix}/{name}")
        }
    }
}

/// A suffix no other test run uses (time and process).
pub fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", n, std::process::id())
}

/// Settings for tests: cheap hashing, a fresh database.
pub async fn settings(backend: &Backend, dir: &tempfile::TempDir) -> Settings {
    let url = fresh_url(backend, dir).await;
    let mut s =
        Settings::from_toml_str("[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n")
            .unwrap();
    s.database.url = url;
    s.database.auto_migrate = Some(true);
    s
}

pub async fn setup(backend: &Backend) -> Ctx {
    setup_with(backend, |_| {}).await
}

pub async fn setup_with(backend: &Backend, change: impl FnOnce(&mut Settings)) -> Ctx {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(backend, &dir).await;
    change(&mut s);
    let auth = Auth::connect(s).await.expect("connect");
    Ctx { auth, _dir: dir }
}

pub const PASSWORD: &str = "violet-harbour-42-kites";

pub async fn user(ctx: &Ctx, name: &str) -> User {
    ctx.auth
        .create_user(NewUser::new(name, format!("{name}@example.com"), PASSWORD))
        .await
        .unwrap()
        .unwrap()
}

/// Runs one SQL statement on the test database, as an operator would by hand.
pub async fn exec(ctx: &Ctx, sql: &'static str) {
    match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
        portcullis::db::Database::Postgres(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
    }
}

/// Runs one SQL statement with one integer bound as `$1` (a time, an id).
pub async fn exec_with(ctx: &Ctx, sql: &'static str, value: i64) {
    match ctx.auth.db() {
        portcullis::db::Database::Sqlite(p) => {
            sqlx::query(sql).bind(value).execute(p).await.unwrap();
        }
        portcullis::db::Database::Postgres(p) => {
            sqlx::query(sql).bind(value).execute(p).await.unwrap();
        }
    }
}

/// How many session rows the user has.
pub async fn sessions_of(ctx: &Ctx, user: &User) -> i64 {
    portcullis::test_support::count_sessions_of(ctx.auth.db(), user.id)
        .await
        .unwrap()
}

/// Polls `fut` once: true when it has not finished (work handed off and
/// not answered yet).
pub async fn pending_after_one_poll<F: std::future::Future + Unpin>(fut: &mut F) -> bool {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(std::pin::Pin::new(&mut *fut).poll(cx).is_pending())
    })
    .await
}

// ---- the routes every test app has ----

#[actix_web::get("/dashboard")]
#[login_required]
async fn dashboard(user: User) -> impl Responder {
    format!("dashboard of {}", user.username)
}

#[actix_web::get("/reports")]
#[permission_required("reports.view")]
async fn reports() -> impl Responder {
    "reports"
}

#[actix_web::get("/editors")]
#[group_required("Editors")]
async fn editors() -> impl Responder {
    "editors"
}

#[actix_web::get("/staff")]
#[staff_required]
async fn staff() -> impl Responder {
    "staff"
}

#[actix_web::get("/superuser")]
#[superuser_required]
async fn superuser() -> impl Responder {
    "superuser"
}

fn teapot(_: &HttpRequest, denial: &Denial) -> Option<HttpResponse> {
    Some(HttpResponse::ImATeapot().body(format!("{denial:?}")))
}

#[actix_web::get("/teapot")]
#[permission_required("x.y", on_denied = teapot)]
async fn teapot_route() -> impl Responder {
    "never"
}

#[actix_web::get("/strict")]
#[login_required(raise_exception = true)]
async fn strict() -> impl Responder {
    "strict"
}

struct Dash;
impl portcullis::guard::Requirement for Dash {
    const RULE: portcullis::guard::Rule = portcullis::guard::Rule::Login;
}

/// Four extractors needing the user: the database must be asked once.
#[actix_web::get("/once")]
async fn once(
    _r: Require<Dash>,
    _p: portcullis::guard::Passed<Dash>,
    u: User,
    o: OptionalUser,
) -> impl Responder {
    format!(
        "{} {}",
        u.username,
        o.0.map(|u| u.username).unwrap_or_default()
    )
}

#[actix_web::get("/set-theme/{theme}")]
async fn set_theme(session: actix_session::Session, t: web::Path<String>) -> impl Responder {
    session.insert("theme", t.into_inner()).unwrap();
    "ok"
}

#[actix_web::get("/theme")]
async fn theme(session: actix_session::Session) -> impl Responder {
    session
        .get::<String>("theme")
        .unwrap()
        .unwrap_or_else(|| "none".into())
}

#[actix_web::get("/me")]
async fn me(OptionalUser(u): OptionalUser) -> impl Responder {
    match u {
        Some(u) => u.username,
        None => "anonymous".into(),
    }
}

/// What an app's own password-change page can do today: the library ends
/// every session of the user, then this browser signs in again.
#[actix_web::post("/change-password")]
async fn change_password(
    auth: web::ReqData<Auth>,
    session: actix_session::Session,
    user: User,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    auth.set_password(&user, &form["new_password"])
        .await
        .unwrap();
    let fresh = auth.user_by_id(user.id).await.unwrap().unwrap();
    auth.login(&session, &fresh).await.unwrap();
    HttpResponse::Ok().body("changed")
}

#[actix_web::post("/echo")]
async fn echo(body: web::Bytes) -> impl Responder {
    format!("{} bytes", body.len())
}

/// Which server worker thread answered (a real server's workers are named).
#[actix_web::get("/worker")]
async fn worker() -> impl Responder {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned()
}

/// Closes the database pool of the worker that serves this request: an
/// outage of that pool alone (`server.rs`).
#[actix_web::get("/close-this-workers-pool")]
async fn close_this_workers_pool(auth: web::ReqData<Auth>) -> impl Responder {
    auth.db().close().await;
    "closed"
}

/// The test app, to serve in-process ([`app`]) or from a real server.
pub fn test_app(
    auth: &Auth,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .add_auth_pages(auth)
        .service(dashboard)
        .service(reports)
        .service(editors)
        .service(staff)
        .service(superuser)
        .service(teapot_route)
        .service(strict)
        .service(once)
        .service(set_theme)
        .service(theme)
        .service(me)
        .service(echo)
        .service(change_password)
        .service(worker)
        .service(close_this_workers_pool)
        .service(
            web::scope("/admin")
                .wrap(portcullis::require::staff())
                .route("/panel", web::get().to(|| async { "panel" })),
        )
}

/// The test app as an in-process service.
pub fn app(
    auth: &Auth,
) -> impl std::future::Future<
    Output = impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> + 'static {
    let app = test_app(auth);
    async move { test::init_service(app).await }
}

// ---- a browser-like client ----

pub struct Resp {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

#[derive(Default, Clone)]
pub struct Browser {
    pub cookies: HashMap<String, String>,
    pub headers: Vec<(String, String)>,
    /// The socket peer of its requests (none by default, as in actix's test requests).
    pub peer: Option<SocketAddr>,
}

impl Browser {
    pub fn new() -> Self {
        Self::default()
    }

    /// A browser connecting from `ip`.
    pub fn from_ip(ip: &str) -> Self {
        Self {
            peer: Some(SocketAddr::new(ip.parse().unwrap(), 40_000)),
            ..Self::default()
        }
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn absorb(&mut self, res: &Resp) {
        for c in res.set_cookies() {
            let first = c.split(';').next().unwrap();
            let (name, value) = first.split_once('=').unwrap();
            let lower = c.to_ascii_lowercase();
            if value.is_empty()
                || lower.contains("max-age=0")
                || lower.contains("expires=thu, 01 jan 1970")
            {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn send<S, B>(&mut self, app: &S, mut req: test::TestRequest) -> Resp
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        if let Some(c) = self.cookie_header() {
            req = req.insert_header((header::COOKIE, c));
        }
        for (k, v) in &self.headers {
            req = req.insert_header((k.as_str(), v.as_str()));
        }
        if let Some(peer) = self.peer {
            req = req.peer_addr(peer);
        }
        // A service error is rendered from the error itself, as the real server does.
        let (status, headers, bytes) = match test::try_call_service(app, req.to_request()).await {
            Ok(res) => {
                let (status, headers) = (res.status(), res.headers().clone());
                (status, headers, test::read_body(res).await)
            }
            Err(e) => {
                let res = e.error_response();
                let (status, headers) = (res.status(), res.headers().clone());
                let body = actix_web::body::to_bytes(res.into_body())
                    .await
                    .unwrap_or_default();
                (status, headers, body)
            }
        };
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        self.absorb(&resp);
        resp
    }

    pub async fn get<S, B>(&mut self, app: &S, path: &str) -> Resp
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        self.send(app, test::TestRequest::get().uri(path)).await
    }

    pub async fn post<S, B>(&mut self, app: &S, path: &str, form: &[(&str, &str)]) -> Resp
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        self.post_with(app, path, form, &[]).await
    }

    /// POST `form` with `extra` headers on this request only.
    pub async fn post_with<S, B>(
        &mut self,
        app: &S,
        path: &str,
        form: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Resp
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut req = test::TestRequest::post()
            .uri(path)
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body);
        for (k, v) in extra {
            req = req.insert_header((*k, *v));
        }
        self.send(app, req).await
    }

    /// GET `page`, then POST `form` to it with the page's CSRF token.
    pub async fn submit<S, B>(&mut self, app: &S, page: &str, form: &[(&str, &str)]) -> Resp
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        let shown = self.get(app, page).await;
        assert_eq!(shown.status, StatusCode::OK, "GET {page}: {}", shown.body);
        let token = csrf_of(&shown.body);
        let mut full = vec![("csrf_token", token.as_str())];
        full.extend_from_slice(form);
        self.post(app, page, &full).await
    }

    pub async fn login<S, B>(&mut self, app: &S, login: &str, password: &str) -> Resp
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        self.submit(app, "/login", &[("login", login), ("password", password)])
            .await
    }
}

/// The hidden CSRF token of a rendered form.
pub fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf_token in page: {body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// Declares each test once and runs it on SQLite and, when configured, PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(b) = $crate::support::Backend::postgres() {
                        super::$name(b).await
                    }
                }
            )*
        }
    };
}

/// Every line logged on this thread (and threads `Auth` starts meanwhile)
/// while the guard lives.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Captures from now until the guard drops.
    pub fn start() -> (Captured, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
