//! The app's own forms: `CsrfField` in an askama template gives them the
//! same CSRF protection as Portcullis' pages, signed in or not.

use actix_web::{get, http::StatusCode, post, test, App, HttpResponse, Responder};
use askama::Template;
use portcullis::{AuthAppExt, CsrfField};

use crate::support::{csrf_of, setup, user, Backend, Browser, PASSWORD};

#[derive(Template)]
#[template(
    source = "<form method=post action=/notes>{{ csrf }}<input name=note></form>",
    ext = "html"
)]
struct NoteForm {
    csrf: CsrfField,
}

#[get("/notes/new")]
async fn new_note(csrf: CsrfField) -> HttpResponse {
    HttpResponse::Ok().body(NoteForm { csrf }.render().unwrap())
}

#[post("/notes")]
async fn save_note() -> impl Responder {
    "saved"
}

async fn the_apps_own_form_is_protected_like_the_pages(b: Backend) {
    let ctx = setup(&b).await;
    user(&ctx, "ann").await;
    let app = test::init_service(
        App::new()
            .add_auth_pages(&ctx.auth)
            .service(new_note)
            .service(save_note),
    )
    .await;
    for signed_in in [false, true] {
        let mut br = Browser::new();
        if signed_in {
            assert_eq!(
                br.login(&app, "ann", PASSWORD).await.status,
                StatusCode::SEE_OTHER
            );
        }
        let page = br.get(&app, "/notes/new").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(r#"<input type="hidden" name="csrf_token" value=""#),
            "{}",
            page.body
        );
        let token = csrf_of(&page.body);
        let refused = br.post(&app, "/notes", &[("note", "hi")]).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "signed in: {signed_in}"
        );
        let forged = br
            .post(&app, "/notes", &[("csrf_token", "forged"), ("note", "hi")])
            .await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "signed in: {signed_in}"
        );
        let saved = br
            .post(&app, "/notes", &[("csrf_token", &token), ("note", "hi")])
            .await;
        assert_eq!(saved.status, StatusCode::OK, "signed in: {signed_in}");
        assert_eq!(saved.body, "saved");
    }
}

crate::on_both_backends!(the_apps_own_form_is_protected_like_the_pages);
