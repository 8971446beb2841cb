//! Guards: redirects, 403 pages, JSON for APIs, live data, hooks, scopes.

use actix_web::http::StatusCode;

use portcullis::db::Database;

use crate::support::{app, exec, setup, user, Backend, Browser, Ctx, PASSWORD};

async fn anonymous_browsers_are_redirected_to_login_with_next(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    for path in [
        "/dashboard",
        "/reports",
        "/editors",
        "/staff",
        "/superuser",
        "/admin/panel",
    ] {
        let res = Browser::new().get(&app, path).await;
        assert_eq!(res.status, StatusCode::FOUND, "{path}");
        assert_eq!(
            res.location(),
            format!("/login?next={}", path.replace('/', "%2F")),
            "{path}"
        );
    }
    let res = Browser::new().get(&app, "/dashboard?tab=a&b=2").await;
    assert_eq!(res.location(), "/login?next=%2Fdashboard%3Ftab%3Da%26b%3D2");
}

async fn signed_in_users_lacking_a_right_get_a_403_page_not_a_loop(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "nia").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "nia", PASSWORD).await;
    assert_eq!(br.get(&app, "/dashboard").await.body, "dashboard of nia");
    for path in [
        "/reports",
        "/editors",
        "/staff",
        "/superuser",
        "/admin/panel",
    ] {
        let res = br.get(&app, path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(res.header("content-type").starts_with("text/html"));
        assert!(res
            .body
            .contains(ctx.auth.settings().auth.messages.forbidden_message.as_str()));
    }
}

async fn guards_read_live_data_on_every_request(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "oli").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "oli", PASSWORD).await;
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::FORBIDDEN);
    ctx.auth
        .grant_user_permission("oli", "reports.view")
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::OK);
    ctx.auth
        .revoke_user_permission("oli", "reports.view")
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::FORBIDDEN);
    ctx.auth.add_user_to_group("Editors", "oli").await.unwrap();
    assert_eq!(br.get(&app, "/editors").await.status, StatusCode::OK);
    ctx.auth
        .grant_group_permission("Editors", "reports.view")
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::OK);
    ctx.auth
        .set_user_flags("oli", true, true, false)
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/staff").await.status, StatusCode::OK);
    assert_eq!(br.get(&app, "/admin/panel").await.body, "panel");
    assert_eq!(
        br.get(&app, "/superuser").await.status,
        StatusCode::FORBIDDEN
    );
    ctx.auth
        .set_user_flags("oli", true, true, true)
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/superuser").await.status, StatusCode::OK);
}

/// Names are cached per server thread by access generation: changes made
/// by hand in SQL (not through Portcullis) must still show on the next
/// request, and so must everything once the generation row is gone.
async fn guards_see_access_changes_made_in_sql(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "rae").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "rae", PASSWORD).await;
    ctx.auth
        .grant_user_permission("rae", "reports.view")
        .await
        .unwrap();
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::OK);
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::OK);
    exec(
        &ctx,
        "UPDATE portcullis_permissions SET codename = 'reports.hidden'",
    )
    .await;
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::FORBIDDEN);
    exec(
        &ctx,
        "UPDATE portcullis_permissions SET codename = 'reports.view'",
    )
    .await;
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::OK);
    exec(&ctx, "DELETE FROM portcullis_user_permissions").await;
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::FORBIDDEN);

    ctx.auth.add_user_to_group("Editors", "rae").await.unwrap();
    assert_eq!(br.get(&app, "/editors").await.status, StatusCode::OK);
    exec(&ctx, "UPDATE portcullis_groups SET name = 'Writers'").await;
    assert_eq!(br.get(&app, "/editors").await.status, StatusCode::FORBIDDEN);
    exec(&ctx, "UPDATE portcullis_groups SET name = 'Editors'").await;
    assert_eq!(br.get(&app, "/editors").await.status, StatusCode::OK);
    exec(
        &ctx,
        "INSERT INTO portcullis_group_permissions (group_id, permission_id) \
         SELECT g.id, p.id FROM portcullis_groups g, portcullis_permissions p",
    )
    .await;
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::OK);
    exec(&ctx, "DELETE FROM portcullis_group_permissions").await;
    assert_eq!(br.get(&app, "/reports").await.status, StatusCode::FORBIDDEN);

    exec(&ctx, "DELETE FROM portcullis_access_generation").await;
    assert_eq!(br.get(&app, "/editors").await.status, StatusCode::OK);
    exec(&ctx, "DELETE FROM portcullis_user_groups").await;
    assert_eq!(br.get(&app, "/editors").await.status, StatusCode::FORBIDDEN);
}

/// The key a user's cached names are read under: its access version and the
/// access generation, as the per-request statement reads them.
async fn access_key(ctx: &Ctx, username: &str) -> (i64, i64) {
    const SQL: &str = "SELECT u.access_version, \
        (SELECT value FROM portcullis_access_generation WHERE id = 1) \
        FROM portcullis_users u WHERE u.username = $1";
    match ctx.auth.db() {
        Database::Sqlite(p) => sqlx::query_as(SQL).bind(username).fetch_one(p).await,
        Database::Postgres(p) => sqlx::query_as(SQL).bind(username).fetch_one(p).await,
    }
    .unwrap()
}

/// Changes to one user's memberships and direct permissions move only that
/// user's key (other users keep their cached names); changes to groups and
/// permissions themselves, and deleted users, move every key.
async fn access_keys_move_for_the_users_a_change_reaches(b: Backend) {
    let ctx = setup(&b).await;
    for name in ["ada", "bo", "cy"] {
        user(&ctx, name).await;
    }
    ctx.auth
        .grant_group_permission("Editors", "reports.view")
        .await
        .unwrap();
    let a0 = access_key(&ctx, "ada").await;
    let b0 = access_key(&ctx, "bo").await;

    // bo's own changes, through the API and by hand in SQL. A permission
    // created on the way (`reports.export`) is held by nobody yet: no key moves.
    ctx.auth
        .grant_user_permission("bo", "reports.export")
        .await
        .unwrap();
    let b1 = access_key(&ctx, "bo").await;
    assert!(b1.0 > b0.0 && b1.1 == b0.1, "{b0:?} → {b1:?}");
    ctx.auth.add_user_to_group("Editors", "bo").await.unwrap();
    exec(
        &ctx,
        "DELETE FROM portcullis_user_permissions WHERE user_id = \
         (SELECT id FROM portcullis_users WHERE username = 'bo')",
    )
    .await;
    let b2 = access_key(&ctx, "bo").await;
    assert!(b2.0 >= b1.0 + 2 && b2.1 == b1.1, "{b1:?} → {b2:?}");
    assert_eq!(
        access_key(&ctx, "ada").await,
        a0,
        "bo's changes left ada's key"
    );

    // A membership moved from bo to cy by hand: both keys move, ada's not.
    let c0 = access_key(&ctx, "cy").await;
    exec(
        &ctx,
        "UPDATE portcullis_user_groups SET user_id = \
         (SELECT id FROM portcullis_users WHERE username = 'cy')",
    )
    .await;
    assert!(access_key(&ctx, "bo").await.0 > b2.0);
    assert!(access_key(&ctx, "cy").await.0 > c0.0);
    assert_eq!(access_key(&ctx, "ada").await, a0);

    // A group's permissions reach its members: the generation moves for all.
    exec(&ctx, "DELETE FROM portcullis_group_permissions").await;
    let a1 = access_key(&ctx, "ada").await;
    assert!(a1.1 > a0.1 && a1.0 == a0.0, "{a0:?} → {a1:?}");
    exec(
        &ctx,
        "UPDATE portcullis_permissions SET codename = 'reports.seen' \
         WHERE codename = 'reports.view'",
    )
    .await;
    let a2 = access_key(&ctx, "ada").await;
    assert!(a2.1 > a1.1, "{a1:?} → {a2:?}");

    // A deleted user's id must start from nothing cached if it is ever used again.
    exec(&ctx, "DELETE FROM portcullis_users WHERE username = 'cy'").await;
    let a3 = access_key(&ctx, "ada").await;
    assert!(a3.1 > a2.1, "{a2:?} → {a3:?}");

    // TRUNCATE fires no row triggers (PostgreSQL): it moves the generation.
    if matches!(ctx.auth.db(), Database::Postgres(_)) {
        exec(&ctx, "TRUNCATE portcullis_user_permissions").await;
        assert!(access_key(&ctx, "ada").await.1 > a3.1);
    }
}

async fn api_clients_get_json_401_and_403(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "pat").await;
    let app = app(&ctx.auth).await;
    let mut api = Browser::new();
    api.headers
        .push(("accept".into(), "application/json".into()));
    let res = api.get(&app, "/reports").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.header("content-type").starts_with("application/json"));
    assert!(!res.header("www-authenticate").is_empty());
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(json["error"], "unauthenticated");

    let mut bearer = Browser::new();
    bearer
        .headers
        .push(("authorization".into(), "Bearer abc".into()));
    assert_eq!(
        bearer.get(&app, "/dashboard").await.status,
        StatusCode::UNAUTHORIZED
    );

    api.login(&app, "pat", PASSWORD).await;
    let res = api.get(&app, "/reports").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"error": "forbidden", "missing": "reports.view"})
    );
}

/// Whether a denial is JSON or a page is read from the request: an XHR
/// marker, or an `Accept` naming JSON and not HTML (axios, for one), gets
/// JSON; a browser's `Accept`, or one naming HTML beside JSON, gets the
/// redirect to the login page and the HTML 403 page.
async fn xhr_and_mixed_accept_headers_choose_json_or_page_denials(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "uma").await;
    let app = app(&ctx.auth).await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let cases: [(&[(&str, &str)], bool); 10] = [
        (&[("x-requested-with", "XMLHttpRequest")], true),
        (
            &[("x-requested-with", "XMLHttpRequest"), ("accept", browser)],
            true,
        ),
        (&[("accept", "application/json, text/plain, */*")], true),
        (&[("accept", browser)], false),
        (&[("accept", "text/html, application/json")], false),
        (&[("accept", "application/json;q=0.5, text/html")], false),
        (&[("accept", "*/*")], false),
        // Quality values decide: JSON preferred over HTML, or HTML refused.
        (&[("accept", "application/json, text/html;q=0.1")], true),
        (&[("accept", "application/json, text/html;q=0")], true),
        (&[("accept", "application/json;q=0, text/html")], false),
    ];
    let mut signed_in = Browser::new();
    signed_in.login(&app, "uma", PASSWORD).await;
    for (headers, json) in cases {
        let mut anonymous = Browser::new();
        anonymous.headers = own(headers);
        let res = anonymous.get(&app, "/reports").await;
        signed_in.headers = own(headers);
        let forbidden = signed_in.get(&app, "/reports").await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{headers:?}");
        if json {
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{headers:?}");
            let body: serde_json::Value = serde_json::from_str(&res.body).unwrap();
            assert_eq!(body["error"], "unauthenticated", "{headers:?}");
            let body: serde_json::Value = serde_json::from_str(&forbidden.body).unwrap();
            assert_eq!(
                body,
                serde_json::json!({"error": "forbidden", "missing": "reports.view"}),
                "{headers:?}"
            );
        } else {
            assert_eq!(res.status, StatusCode::FOUND, "{headers:?}");
            assert_eq!(res.location(), "/login?next=%2Freports", "{headers:?}");
            assert!(
                forbidden.header("content-type").starts_with("text/html"),
                "{headers:?}"
            );
        }
    }
}

fn own(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn on_denied_hooks_replace_the_response(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    let res = Browser::new().get(&app, "/teapot").await;
    assert_eq!(res.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(res.body, "Anonymous");

    fn global(
        _: &actix_web::HttpRequest,
        _: &portcullis::guard::Denial,
    ) -> Option<actix_web::HttpResponse> {
        Some(actix_web::HttpResponse::Gone().finish())
    }
    let dir = tempfile::tempdir().unwrap();
    let s = crate::support::settings(&b, &dir).await;
    let auth = portcullis::Auth::builder(s)
        .on_denied(global)
        .connect()
        .await
        .unwrap();
    let app = crate::support::app(&auth).await;
    assert_eq!(
        Browser::new().get(&app, "/dashboard").await.status,
        StatusCode::GONE
    );
}

async fn raise_exception_forbids_instead_of_redirecting(b: Backend) {
    let ctx = setup(&b).await;
    let app = app(&ctx.auth).await;
    assert_eq!(
        Browser::new().get(&app, "/strict").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn the_user_is_loaded_once_per_request(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "quinn").await;
    let app = app(&ctx.auth).await;
    let mut br = Browser::new();
    br.login(&app, "quinn", PASSWORD).await;
    let before = ctx.auth.user_loads();
    let res = br.get(&app, "/once").await;
    assert_eq!(res.body, "quinn quinn");
    assert_eq!(ctx.auth.user_loads() - before, 1);
}

crate::on_both_backends!(
    anonymous_browsers_are_redirected_to_login_with_next,
    signed_in_users_lacking_a_right_get_a_403_page_not_a_loop,
    guards_read_live_data_on_every_request,
    guards_see_access_changes_made_in_sql,
    access_keys_move_for_the_users_a_change_reaches,
    api_clients_get_json_401_and_403,
    xhr_and_mixed_accept_headers_choose_json_or_page_denials,
    on_denied_hooks_replace_the_response,
    raise_exception_forbids_instead_of_redirecting,
    the_user_is_loaded_once_per_request,
);
