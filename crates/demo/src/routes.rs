//! The demo's routes, one per guard, and [`app`], the whole application.

use actix_session::Session;
use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    get,
    http::header,
    post, web, App, Error, HttpResponse,
};
use portcullis::{
    guard::{
        group_required, login_required, permission_required, staff_required, superuser_required,
    },
    Auth, AuthAppExt, CsrfField, OptionalUser, User,
};

use crate::pages;

/// The demo application: Portcullis' middleware and pages plus the demo's routes.
/// The binary serves it; the tests drive the very same app.
pub fn app(
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
    App::new().add_auth_pages(auth).configure(configure(auth))
}

/// The demo's own routes, for `App::configure` (the app must also carry
/// `auth.middleware()`, as [`AuthAppExt::add_auth_pages`] does).
pub fn configure(auth: &Auth) -> impl FnOnce(&mut web::ServiceConfig) + 'static {
    let auth = auth.clone();
    move |cfg| {
        cfg.app_data(web::Data::new(auth))
            .service(home)
            .service(dashboard)
            .service(greeting_page)
            .service(save_greeting)
            .service(reports)
            .service(editors)
            .service(staff)
            .service(superuser)
            .service(api_me)
            // Unknown paths get the site's branded 404 page.
            .default_service(web::to(not_found))
            .service(
                // The same rule as #[staff_required], as middleware for a whole scope.
                web::scope("/staff-area")
                    .wrap(portcullis::require::staff())
                    .route("", web::get().to(staff_area))
                    .route("/", web::get().to(staff_area)),
            );
    }
}

#[get("/")]
async fn home(auth: web::Data<Auth>, OptionalUser(user): OptionalUser) -> HttpResponse {
    pages::home(&auth, user.as_ref())
}

#[get("/dashboard")]
#[login_required]
async fn dashboard(auth: web::Data<Auth>, user: User) -> HttpResponse {
    pages::dashboard(&auth, &user)
}

#[get("/greeting")]
#[login_required]
async fn greeting_page(
    auth: web::Data<Auth>,
    user: User,
    csrf: CsrfField,
    session: Session,
) -> HttpResponse {
    let saved = session.get::<String>(GREETING).ok().flatten();
    pages::greeting(&auth, &user, csrf, saved, None)
}

/// Session key of the demo's greeting.
const GREETING: &str = "demo_greeting";

#[derive(serde::Deserialize)]
struct GreetingForm {
    greeting: String,
}

/// `POST /greeting`: the demo's own form. Portcullis' middleware has
/// checked its CSRF field before this runs.
#[post("/greeting")]
#[login_required]
async fn save_greeting(
    auth: web::Data<Auth>,
    user: User,
    csrf: CsrfField,
    session: Session,
    form: web::Form<GreetingForm>,
) -> HttpResponse {
    let typed = form.into_inner().greeting;
    let greeting = typed.trim();
    if greeting.is_empty()
        || greeting.chars().count() > 40
        || greeting.chars().any(char::is_control)
    {
        let saved = session.get::<String>(GREETING).ok().flatten();
        let refused = pages::Refused {
            typed: typed.chars().filter(|c| !c.is_control()).take(40).collect(),
            error: "A greeting has 1 to 40 characters, and no control characters.",
        };
        return pages::greeting(&auth, &user, csrf, saved, Some(refused));
    }
    // Only serialising fails here (the store writes after the handler, and
    // the middleware answers its failure with the 503 page).
    if session.insert(GREETING, greeting).is_err() {
        return auth.status_page(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    HttpResponse::SeeOther()
        .insert_header(("location", "/greeting"))
        .finish()
}

#[get("/reports")]
#[permission_required("reports.view")]
async fn reports(auth: web::Data<Auth>, user: User) -> HttpResponse {
    pages::guarded(
        &auth,
        &user,
        "Reports",
        "#[permission_required(\"reports.view\")]",
    )
}

#[get("/editors")]
#[group_required("Editors")]
async fn editors(auth: web::Data<Auth>, user: User) -> HttpResponse {
    pages::guarded(&auth, &user, "Editors", "#[group_required(\"Editors\")]")
}

#[get("/staff")]
#[staff_required]
async fn staff(auth: web::Data<Auth>, user: User) -> HttpResponse {
    pages::guarded(&auth, &user, "Staff", "#[staff_required]")
}

#[get("/superuser")]
#[superuser_required]
async fn superuser(auth: web::Data<Auth>, user: User) -> HttpResponse {
    pages::guarded(&auth, &user, "Superuser", "#[superuser_required]")
}

async fn staff_area(auth: web::Data<Auth>, user: User) -> HttpResponse {
    pages::guarded(
        &auth,
        &user,
        "Staff area",
        "web::scope(\"/staff-area\").wrap(portcullis::require::staff())",
    )
}

async fn not_found(auth: web::Data<Auth>) -> HttpResponse {
    auth.status_page(actix_web::http::StatusCode::NOT_FOUND)
}

/// The current user as JSON; 401 JSON for anonymous visitors, browsers included.
#[get("/api/me")]
async fn api_me(OptionalUser(user): OptionalUser) -> HttpResponse {
    let Some(u) = user else {
        return HttpResponse::Unauthorized()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "error": "unauthenticated" }));
    };
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "username": u.username,
            "email": u.email,
            "is_staff": u.is_staff,
            "is_superuser": u.is_superuser,
            "groups": u.groups,
            "permissions": u.permissions,
        }))
}
