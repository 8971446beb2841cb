//! The demo app in-process over a temporary SQLite file: every route, as a
//! visitor and as a signed-in user logged in through the real login form.

use std::{collections::BTreeMap, future::Future, pin::Pin, rc::Rc};

use actix_web::{
    dev::ServiceResponse,
    http::{header, StatusCode},
    test,
};
use portcullis::{Auth, NewUser, Settings};

const PASSWORD: &str = "violet-harbour-42-kites";

/// A fresh database with cheap password hashing.
async fn connect() -> (Auth, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[database]\nurl = \"sqlite://{}/d.db?mode=rwc\"\n[security]\nargon2_memory_kib = 64\nargon2_iterations = 1\n",
        dir.path().display()
    );
    let settings = Settings::from_toml_str(&toml).unwrap();
    (demo::startup::connect(settings).await.unwrap(), dir)
}

/// Cookies carried from responses to the next requests, as a browser would.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn store<B>(&mut self, res: &ServiceResponse<B>) {
        for value in res.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            if value.is_empty() || expired {
                self.0.remove(name.trim());
            } else {
                self.0
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Sends one request through the app.
type Call = Box<dyn Fn(test::TestRequest) -> Pin<Box<dyn Future<Output = ServiceResponse>>>>;

/// A visitor: the app plus the visitor's cookies.
struct Browser {
    call: Call,
    jar: Jar,
}

impl Browser {
    async fn send(&mut self, req: test::TestRequest) -> (StatusCode, header::HeaderMap, String) {
        let req = if self.jar.0.is_empty() {
            req
        } else {
            req.insert_header((header::COOKIE, self.jar.header()))
        };
        let res = (self.call)(req).await;
        self.jar.store(&res);
        let status = res.status();
        let headers = res.headers().clone();
        let body = test::read_body(res).await;
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn get(&mut self, path: &str) -> (StatusCode, header::HeaderMap, String) {
        self.send(test::TestRequest::get().uri(path)).await
    }

    /// Signs in through the real form: GET /login for the cookie and token, then POST.
    async fn log_in(&mut self, login: &str, password: &str) {
        let (status, _, html) = self.get("/login").await;
        assert_eq!(status, StatusCode::OK);
        let token = csrf_token(&html);
        let form = [
            ("csrf_token", token.as_str()),
            ("login", login),
            ("password", password),
        ];
        let (status, headers, body) = self
            .send(test::TestRequest::post().uri("/login").set_form(form))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "login failed: {body}");
        assert_eq!(headers.get(header::LOCATION).unwrap(), "/");
    }
}

fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html
        .find(marker)
        .expect("the login page has a csrf_token field")
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

fn content_type(headers: &header::HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap()
}

/// A fresh visitor of the real demo app.
async fn browser(auth: &Auth) -> Browser {
    let app = Rc::new(test::init_service(demo::routes::app(auth)).await);
    let call: Call = Box::new(move |req| {
        let app = Rc::clone(&app);
        Box::pin(async move {
            test::call_service(&*app, req.to_request())
                .await
                .map_into_boxed_body()
        })
    });
    Browser {
        call,
        jar: Jar::default(),
    }
}

async fn alice(auth: &Auth) {
    auth.create_user(NewUser::new("alice", "alice@example.com", PASSWORD))
        .await
        .unwrap()
        .unwrap();
}

#[actix_web::test]
async fn home_is_public_and_links_every_route() {
    let (auth, _dir) = connect().await;
    let mut b = browser(&auth).await;
    let (status, headers, html) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "text/html; charset=utf-8");
    assert!(html.contains("Not signed in"), "{html}");
    for path in [
        "/login",
        "/register",
        "/logout",
        "/dashboard",
        "/reports",
        "/editors",
        "/staff",
        "/superuser",
        "/staff-area",
        "/api/me",
    ] {
        assert!(
            html.contains(&format!("href=\"{path}\"")),
            "no link to {path}"
        );
    }
    for command in [
        "user grant alice reports.view",
        "group add-user Editors alice",
        "createsuperuser --username admin",
    ] {
        assert!(html.contains(command), "no `{command}` hint");
    }
}

#[actix_web::test]
async fn anonymous_browsers_are_sent_to_the_login_page() {
    let (auth, _dir) = connect().await;
    let mut b = browser(&auth).await;
    let (status, headers, _) = b.get("/dashboard").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/login?next=%2Fdashboard"
    );
    for path in [
        "/reports",
        "/editors",
        "/staff",
        "/superuser",
        "/staff-area",
    ] {
        let (status, headers, _) = b.get(path).await;
        assert_eq!(status, StatusCode::FOUND, "{path}");
        assert!(headers
            .get(header::LOCATION)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
    }
}

#[actix_web::test]
async fn anonymous_api_clients_get_401_json() {
    let (auth, _dir) = connect().await;
    let mut b = browser(&auth).await;
    let (status, headers, body) = b.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(content_type(&headers), "application/json");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json, serde_json::json!({"error": "unauthenticated"}));

    let req = test::TestRequest::get()
        .uri("/reports")
        .insert_header((header::ACCEPT, "application/json"));
    let (status, headers, _) = b.send(req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(content_type(&headers).starts_with("application/json"));
}

#[actix_web::test]
async fn signed_in_user_sees_dashboard_and_home_names_them() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;

    let (status, _, html) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Signed in as alice"), "{html}");

    let (status, headers, html) = b.get("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "text/html; charset=utf-8");
    assert!(html.contains("Hello, alice!"), "{html}");
    assert!(
        html.contains("href=\"/\"") && html.contains("href=\"/logout\""),
        "no links home and to logout"
    );
}

#[actix_web::test]
async fn permission_granted_mid_session_opens_reports() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;

    let (status, _, _) = b.get("/reports").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    auth.grant_user_permission("alice", "reports.view")
        .await
        .unwrap();
    let (status, _, html) = b.get("/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("alice"));
    let (_, _, html) = b.get("/dashboard").await;
    assert!(
        html.contains("<code>reports.view</code>"),
        "dashboard lists the new permission"
    );
}

#[actix_web::test]
async fn joining_editors_opens_editors() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    b.log_in("alice@example.com", PASSWORD).await;

    let (status, _, _) = b.get("/editors").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    auth.add_user_to_group("Editors", "alice").await.unwrap();
    let (status, _, _) = b.get("/editors").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, html) = b.get("/dashboard").await;
    assert!(
        html.contains("<code>Editors</code>"),
        "dashboard lists the new group"
    );
}

#[actix_web::test]
async fn staff_pages_refuse_non_staff_and_admit_staff() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;
    for path in ["/staff", "/staff-area", "/staff-area/", "/superuser"] {
        let (status, _, _) = b.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    auth.set_user_flags("alice", true, true, false)
        .await
        .unwrap();
    let (status, _, _) = b.get("/staff").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = b.get("/superuser").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    auth.set_user_flags("alice", true, true, true)
        .await
        .unwrap();
    let (status, _, _) = b.get("/superuser").await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn staff_area_scope_admits_staff() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    auth.set_user_flags("alice", true, true, false)
        .await
        .unwrap();
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;
    for path in ["/staff-area", "/staff-area/"] {
        let (status, _, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("Staff area"), "{html}");
    }
}

#[actix_web::test]
async fn api_me_describes_the_signed_in_user() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    auth.grant_user_permission("alice", "reports.view")
        .await
        .unwrap();
    auth.add_user_to_group("Editors", "alice").await.unwrap();
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;

    let (status, headers, body) = b.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/json");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "username": "alice",
            "email": "alice@example.com",
            "is_staff": false,
            "is_superuser": false,
            "groups": ["Editors"],
            "permissions": ["reports.view"],
        })
    );
}

#[actix_web::test]
async fn user_controlled_text_is_escaped() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    auth.add_user_to_group("<script>x</script>", "alice")
        .await
        .unwrap();
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;
    let (_, _, html) = b.get("/dashboard").await;
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&#60;script&#62;x&#60;/script&#62;"),
        "{html}"
    );
}

#[actix_web::test]
async fn the_demos_own_form_carries_and_needs_the_csrf_field() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;

    let (status, _, html) = b.get("/greeting").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No greeting saved yet."), "{html}");
    assert!(
        html.contains("<input type=\"hidden\" name=\"csrf_token\" value=\""),
        "the form renders the hidden field unescaped: {html}"
    );
    let token = csrf_token(&html);

    // Without the token the middleware refuses the app's form like its own.
    let (status, _, _) = b
        .send(
            test::TestRequest::post()
                .uri("/greeting")
                .set_form([("greeting", "Ahoy")]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, html) = b.get("/greeting").await;
    assert!(html.contains("No greeting saved yet."), "{html}");

    let (status, headers, _) = b
        .send(
            test::TestRequest::post()
                .uri("/greeting")
                .set_form([("csrf_token", token.as_str()), ("greeting", "Ahoy <there>")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/greeting");
    let (_, _, html) = b.get("/greeting").await;
    assert!(
        html.contains("Saved: <strong>Ahoy &#60;there&#62;</strong>"),
        "{html}"
    );

    // Bad input is the form again, 400, with the message under the field,
    // and keeps the saved greeting.
    for bad in ["x".repeat(41), "   ".to_owned(), "ah\u{7}oy".to_owned()] {
        let (status, _, body) = b
            .send(
                test::TestRequest::post()
                    .uri("/greeting")
                    .set_form([("csrf_token", token.as_str()), ("greeting", bad.as_str())]),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(
            body.contains("<ul class=\"pc-errors\" id=\"greeting-errors\"><li>A greeting has 1 to 40 characters"),
            "{body}"
        );
        assert!(body.contains("aria-invalid=\"true\""), "{body}");
        assert!(
            body.contains("Saved: <strong>Ahoy &#60;there&#62;</strong>"),
            "{body}"
        );
    }
    let (_, _, html) = b.get("/greeting").await;
    assert!(html.contains("Ahoy &#60;there&#62;"), "{html}");
}

#[actix_web::test]
async fn the_header_names_the_signed_in_user_on_every_demo_page() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    let (_, _, html) = b.get("/").await;
    assert!(!html.contains("class=\"pc-session\""), "anonymous: {html}");
    b.log_in("alice", PASSWORD).await;
    for path in ["/", "/dashboard", "/greeting"] {
        let (status, _, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            html.contains("<p class=\"pc-session\">Signed in as <strong>alice</strong></p>"),
            "{path}: {html}"
        );
    }
}

#[actix_web::test]
async fn the_logout_page_is_the_demos_own_template_and_signs_out() {
    let (auth, _dir) = connect().await;
    alice(&auth).await;
    let mut b = browser(&auth).await;
    b.log_in("alice", PASSWORD).await;
    let (status, _, html) = b.get("/logout").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("class=\"pc-card demo-logout\""), "{html}");
    assert!(html.contains("the demo's own template"), "{html}");
    let token = csrf_token(&html);
    let (status, _, _) = b
        .send(
            test::TestRequest::post()
                .uri("/logout")
                .set_form([("csrf_token", token.as_str())]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get("/").await;
    assert!(html.contains("Not signed in"), "{html}");
}

#[actix_web::test]
async fn unknown_paths_get_the_branded_404_page() {
    let (auth, _dir) = connect().await;
    let mut b = browser(&auth).await;
    let (status, headers, html) = b.get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type(&headers), "text/html; charset=utf-8");
    let m = &auth.settings().auth.messages;
    assert!(
        html.contains(m.not_found.as_str()) && html.contains(m.not_found_heading.as_str()),
        "{html}"
    );
    assert!(html.contains("class=\"pc-header\""), "{html}");
}

/// `cargo run -p demo` from the workspace root picks the demo's own
/// settings, whose branding shows on Portcullis' pages and the demo's.
#[actix_web::test]
async fn the_demos_own_settings_brand_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::load(demo::startup::DEMO_SETTINGS_FILE).unwrap();
    settings.database.url = format!("sqlite://{}/d.db?mode=rwc", dir.path().display());
    let auth = demo::startup::connect(settings).await.unwrap();
    let mut b = browser(&auth).await;
    for (path, heading) in [("/login", "Sign in to the demo"), ("/", "Portcullis demo")] {
        let (_, _, html) = b.get(path).await;
        assert!(
            html.contains("<span class=\"pc-brand__text\">Portcullis demo</span>"),
            "{path}: {html}"
        );
        assert!(html.contains("--pc-primary: #0b6e4f"), "{path}");
        assert!(html.contains(heading), "{path}: {html}");
    }
}

#[actix_web::test]
async fn the_home_pages_commands_wrap_on_a_narrow_screen() {
    let (auth, _dir) = connect().await;
    let (_, _, html) = browser(&auth).await.get("/").await;
    assert!(
        html.contains("<pre style=\"white-space: pre-wrap; overflow-wrap: anywhere\">"),
        "{html}"
    );
}
