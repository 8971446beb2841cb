//! Users: uniqueness, concurrency, hashing, authentication.

use portcullis::{test_support::Verified, Auth, NewUser};

use crate::support::{self, setup, user, Backend, PASSWORD};

async fn usernames_and_emails_are_unique_case_insensitively(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "Alice").await;
    let dup = ctx
        .auth
        .create_user(NewUser::new("ALICE", "other@example.com", PASSWORD))
        .await
        .unwrap();
    let errors = dup.unwrap_err();
    assert_eq!(
        errors.username,
        vec!["A user with that username already exists.".to_string()]
    );
    let dup = ctx
        .auth
        .create_user(NewUser::new("bob", "ALICE@Example.com", PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        dup.unwrap_err().email,
        vec!["A user with that email address already exists.".to_string()]
    );
    // Full-width letters fold to the same name (NFKC).
    let dup = ctx
        .auth
        .create_user(NewUser::new("Ａｌｉｃｅ", "x@example.com", PASSWORD))
        .await
        .unwrap();
    assert!(!dup.unwrap_err().username.is_empty());
}

async fn the_database_enforces_uniqueness_under_concurrent_signups(b: Backend) {
    let ctx = setup(&b).await;
    let attempts = (0..8).map(|i| {
        let auth = ctx.auth.clone();
        async move {
            auth.create_user(NewUser::new(
                "race",
                format!("race{i}@example.com"),
                PASSWORD,
            ))
            .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(e)) if !e.username.is_empty()))
        .count();
    assert_eq!(created, 1, "{results:?}");
    assert_eq!(refused, 7, "{results:?}");
    assert_eq!(
        portcullis::test_support::count_users(ctx.auth.db())
            .await
            .unwrap(),
        1
    );
}

async fn authenticate_by_username_or_email(b: Backend) {
    let ctx = setup(&b).await;
    let u = user(&ctx, "carol").await;
    assert_eq!(
        ctx.auth
            .authenticate("carol", PASSWORD)
            .await
            .unwrap()
            .map(|x| x.id),
        Some(u.id)
    );
    assert_eq!(
        ctx.auth
            .authenticate("CAROL@example.com", PASSWORD)
            .await
            .unwrap()
            .map(|x| x.id),
        Some(u.id)
    );
    assert!(ctx
        .auth
        .authenticate("carol", "wrong-password-123")
        .await
        .unwrap()
        .is_none());
    assert!(ctx
        .auth
        .authenticate("nobody", PASSWORD)
        .await
        .unwrap()
        .is_none());
    assert!(ctx.auth.authenticate("", PASSWORD).await.unwrap().is_none());
}

/// The user `name` as `authenticate` returns it for the right password.
async fn authenticated(ctx: &support::Ctx, name: &str) -> portcullis::User {
    ctx.auth
        .authenticate(name, PASSWORD)
        .await
        .unwrap()
        .unwrap()
}

async fn authenticate_returns_names_and_a_login_records_last_login(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "cleo").await;
    ctx.auth.add_user_to_group("Editors", "cleo").await.unwrap();
    ctx.auth
        .grant_group_permission("Editors", "blog.publish")
        .await
        .unwrap();
    ctx.auth
        .grant_user_permission("cleo", "blog.edit")
        .await
        .unwrap();
    let cleo = authenticated(&ctx, "cleo").await;
    assert_eq!(cleo.groups, ["Editors"]);
    assert!(cleo.has_perm("blog.publish") && cleo.has_perm("blog.edit"));
    assert_eq!(cleo.last_login, None, "authenticating alone is not a login");
    // Names may come from the cache filled above: changes, also by hand in
    // SQL, must show at the next authentication.
    ctx.auth
        .revoke_user_permission("cleo", "blog.edit")
        .await
        .unwrap();
    support::exec(&ctx, "UPDATE portcullis_groups SET name = 'Writers'").await;
    let again = authenticated(&ctx, "cleo").await;
    assert_eq!(again.groups, ["Writers"]);
    assert!(again.has_perm("blog.publish") && !again.has_perm("blog.edit"));
    support::exec(&ctx, "DELETE FROM portcullis_user_groups").await;
    let alone = authenticated(&ctx, "cleo").await;
    assert!(alone.groups.is_empty() && alone.permissions.is_empty());
    let app = support::app(&ctx.auth).await;
    let mut br = support::Browser::new();
    br.login(&app, "cleo", PASSWORD).await;
    let cleo = ctx.auth.user_by_username("cleo").await.unwrap().unwrap();
    let at = cleo.last_login.expect("last_login recorded");
    assert!(at >= cleo.created_at && at <= portcullis::test_support::now());
}

async fn login_fields_restrict_identifiers(b: Backend) {
    let ctx = support::setup_with(&b, |s| {
        s.auth.login_fields = vec![portcullis::settings::LoginField::Email]
    })
    .await;
    user(&ctx, "dave").await;
    assert!(ctx
        .auth
        .authenticate("dave", PASSWORD)
        .await
        .unwrap()
        .is_none());
    assert!(ctx
        .auth
        .authenticate("dave@example.com", PASSWORD)
        .await
        .unwrap()
        .is_some());
}

async fn inactive_users_cannot_authenticate(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "erin").await;
    ctx.auth
        .set_user_flags("erin", false, false, false)
        .await
        .unwrap();
    assert!(ctx
        .auth
        .authenticate("erin", PASSWORD)
        .await
        .unwrap()
        .is_none());
}

async fn unknown_users_cost_one_hash_like_a_wrong_password(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "frank").await;
    let h = ctx.auth.hasher();
    let before = h.submitted();
    ctx.auth
        .authenticate("frank", "wrong-password-123")
        .await
        .unwrap();
    let wrong = h.submitted() - before;
    let before = h.submitted();
    ctx.auth
        .authenticate("no-such-user", "wrong-password-123")
        .await
        .unwrap();
    let unknown = h.submitted() - before;
    let before = h.submitted();
    ctx.auth
        .authenticate("nobody@example.com", "wrong-password-123")
        .await
        .unwrap();
    let unknown_email = h.submitted() - before;
    // A user without a usable password costs the same too.
    let mut passwordless = NewUser::new("gina", "gina@example.com", "");
    passwordless.password = None;
    ctx.auth.create_user(passwordless).await.unwrap().unwrap();
    let before = h.submitted();
    assert!(ctx.auth.authenticate("gina", "").await.unwrap().is_none());
    let unusable = h.submitted() - before;
    assert_eq!((wrong, unknown, unknown_email, unusable), (1, 1, 1, 1));
}

async fn changed_hash_parameters_rehash_at_login_without_ending_sessions(b: Backend) {
    let ctx = setup(&b).await;
    let u = user(&ctx, "hank").await;
    let old_hash = portcullis::test_support::user_row(ctx.auth.db(), u.id)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(old_hash.contains("m=64,t=1,p=1"), "{old_hash}");
    // A browser signed in while the old parameters were in force.
    let mut earlier = support::Browser::new();
    earlier
        .login(&support::app(&ctx.auth).await, "hank", PASSWORD)
        .await;
    assert_eq!(support::sessions_of(&ctx, &u).await, 1);
    // Same database (and cookie key), stronger parameters: the next login rehashes.
    let mut s = ctx.auth.settings().clone();
    s.security.argon2_memory_kib = 128;
    s.security.argon2_iterations = 2;
    let stronger = Auth::builder(s)
        .database(ctx.auth.db().clone())
        .connect()
        .await
        .unwrap();
    let app = support::app(&stronger).await;
    let mut later = support::Browser::new();
    let res = later.login(&app, "hank", PASSWORD).await;
    assert_eq!(res.status, actix_web::http::StatusCode::SEE_OTHER);
    let row = portcullis::test_support::user_row(ctx.auth.db(), u.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.password_hash.contains("m=128,t=2,p=1"),
        "{}",
        row.password_hash
    );
    assert_eq!(
        row.credential_version,
        u.credential_version(),
        "a rehash is not a password change"
    );
    assert_eq!(support::sessions_of(&ctx, &u).await, 2);
    assert_eq!(earlier.get(&app, "/me").await.body, "hank");
    assert_eq!(later.get(&app, "/me").await.body, "hank");
    assert!(matches!(
        stronger.hasher().verify(PASSWORD, &row.password_hash).await,
        Verified::Yes { rehash: None }
    ));
}

async fn weak_passwords_are_refused_with_every_reason(b: Backend) {
    let ctx = setup(&b).await;
    let r = ctx
        .auth
        .create_user(NewUser::new("ivan", "ivan@example.com", "12345"))
        .await
        .unwrap();
    let e = r.unwrap_err();
    assert!(e.password.iter().any(|m| m.contains("too short")), "{e:?}");
    assert!(
        e.password.iter().any(|m| m.contains("entirely numeric")),
        "{e:?}"
    );
    assert!(e.password.iter().any(|m| m.contains("too common")), "{e:?}");
    let r = ctx
        .auth
        .create_user(NewUser::new(
            "ivan",
            "ivan@example.com",
            "ivan@example.com1",
        ))
        .await
        .unwrap();
    assert!(r
        .unwrap_err()
        .password
        .iter()
        .any(|m| m.contains("too similar")));
}

async fn permissions_come_from_user_and_groups_and_superusers_have_all(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "jo").await;
    ctx.auth
        .grant_user_permission("jo", "blog.edit")
        .await
        .unwrap();
    ctx.auth
        .grant_group_permission("Editors", "blog.publish")
        .await
        .unwrap();
    ctx.auth.add_user_to_group("Editors", "jo").await.unwrap();
    let jo = ctx.auth.user_by_username("jo").await.unwrap().unwrap();
    assert!(jo.has_perm("blog.edit") && jo.has_perm("blog.publish") && jo.in_group("Editors"));
    assert!(!jo.has_perm("blog.delete"));
    assert!(ctx
        .auth
        .revoke_user_permission("jo", "blog.edit")
        .await
        .unwrap());
    assert!(!ctx
        .auth
        .revoke_user_permission("jo", "blog.edit")
        .await
        .unwrap());
    assert!(ctx
        .auth
        .remove_user_from_group("Editors", "jo")
        .await
        .unwrap());
    let jo = ctx.auth.user_by_username("jo").await.unwrap().unwrap();
    assert!(!jo.has_perm("blog.publish") && !jo.in_group("Editors"));
    ctx.auth
        .set_user_flags("jo", true, false, true)
        .await
        .unwrap();
    let jo = ctx.auth.user_by_username("jo").await.unwrap().unwrap();
    assert!(jo.has_perm("anything.at_all"));
    assert!(ctx
        .auth
        .grant_user_permission("jo", "not-a-codename")
        .await
        .is_err());
    assert!(ctx
        .auth
        .grant_user_permission("nobody", "a.b")
        .await
        .is_err());
}

async fn snapshots_include_groups_only_when_asked(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "kim").await;
    ctx.auth.add_user_to_group("Editors", "kim").await.unwrap();
    let kim = ctx.auth.user_by_username("kim").await.unwrap().unwrap();
    let json = serde_json::to_value(portcullis::user_snapshot(&kim, false)).unwrap();
    assert!(json.get("groups").is_none());
    let json = serde_json::to_value(portcullis::user_snapshot(&kim, true)).unwrap();
    assert_eq!(json["groups"], serde_json::json!(["Editors"]));
}

crate::on_both_backends!(
    authenticate_returns_names_and_a_login_records_last_login,
    usernames_and_emails_are_unique_case_insensitively,
    the_database_enforces_uniqueness_under_concurrent_signups,
    authenticate_by_username_or_email,
    login_fields_restrict_identifiers,
    inactive_users_cannot_authenticate,
    unknown_users_cost_one_hash_like_a_wrong_password,
    changed_hash_parameters_rehash_at_login_without_ending_sessions,
    weak_passwords_are_refused_with_every_reason,
    permissions_come_from_user_and_groups_and_superusers_have_all,
    snapshots_include_groups_only_when_asked,
);
