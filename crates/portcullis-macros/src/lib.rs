//! Attribute macros that guard actix-web handlers, Django style.
//!
//! Use them through the `portcullis` crate (`portcullis::guard::login_required`
//! and friends), which carries runnable examples; the code generated here
//! names only `::portcullis::guard::...` and `::core::...`.
//!
//! Each attribute turns
//!
//! ```text
//! #[permission_required("blog.publish")]
//! async fn publish(path: web::Path<u32>) -> impl Responder { ... }
//! ```
//!
//! into a hidden type implementing `::portcullis::guard::Requirement` plus the
//! same handler with a `::portcullis::guard::Passed<_>` extractor inserted as
//! its first argument, so the check runs before any other extractor:
//!
//! ```text
//! #[allow(non_camel_case_types)]
//! #[doc(hidden)]
//! struct __portcullis_requirement_publish;
//! impl ::portcullis::guard::Requirement for __portcullis_requirement_publish {
//!     const RULE: ::portcullis::guard::Rule =
//!         ::portcullis::guard::Rule::Permissions(&["blog.publish"]);
//! }
//! async fn publish(
//!     __portcullis_guard: ::portcullis::guard::Passed<__portcullis_requirement_publish>,
//!     path: web::Path<u32>,
//! ) -> impl Responder { ... }
//! ```
//!
//! All five accept two options after any strings:
//!
//! * `on_denied = path::to::hook` — a `fn(&HttpRequest, &Denial) -> Option<HttpResponse>`
//!   (`::portcullis::guard::DenyHook`) to customise the denial response;
//! * `raise_exception = true` — answer 403 even to anonymous visitors instead
//!   of redirecting them to the login page (Django's `raise_exception`).
//!
//! The attributes work above or below actix's route macros (`#[get(...)]`
//! etc.) and can be stacked; stacked checks run top attribute first. They go
//! on free `async fn` handlers only, not on methods.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod args;
mod expand;

use args::Kind;

/// Requires a logged-in user; anonymous visitors are sent to the login page.
///
/// ```text
/// #[login_required]
/// #[get("/account")]
/// async fn account(user: CurrentUser) -> impl Responder { ... }
///
/// #[login_required(raise_exception = true)]          // 403 instead of redirect
/// async fn api_me(user: CurrentUser) -> impl Responder { ... }
///
/// #[login_required(on_denied = crate::hooks::json_401)]
/// async fn api_feed() -> impl Responder { ... }
/// ```
///
/// Takes no strings; only the `on_denied` and `raise_exception` options.
#[proc_macro_attribute]
pub fn login_required(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Login, attr.into(), item.into()).into()
}

/// Requires a user holding **all** of the given permissions.
///
/// Permissions are written `"app_label.codename"` (exactly one dot, ASCII
/// letters, digits and `_`); malformed ones are compile errors.
///
/// ```text
/// #[permission_required("blog.publish")]
/// #[post("/posts/{id}/publish")]
/// async fn publish(path: web::Path<u32>) -> impl Responder { ... }
///
/// #[permission_required("blog.publish", "blog.change_post", raise_exception = true)]
/// async fn edit_published(path: web::Path<u32>) -> impl Responder { ... }
/// ```
#[proc_macro_attribute]
pub fn permission_required(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Permission, attr.into(), item.into()).into()
}

/// Requires a user belonging to **any one** of the given groups.
///
/// ```text
/// #[group_required("Editors", "Moderators")]
/// #[get("/review")]
/// async fn review_queue() -> impl Responder { ... }
///
/// #[group_required("Billing", on_denied = crate::hooks::billing_denied)]
/// async fn invoices() -> impl Responder { ... }
/// ```
#[proc_macro_attribute]
pub fn group_required(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Group, attr.into(), item.into()).into()
}

/// Requires a staff user (Django's `is_staff`; `Rule::Staff`).
///
/// ```text
/// #[staff_required]
/// #[get("/admin/")]
/// async fn admin_index() -> impl Responder { ... }
/// ```
///
/// Takes no strings; only the `on_denied` and `raise_exception` options.
#[proc_macro_attribute]
pub fn staff_required(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Staff, attr.into(), item.into()).into()
}

/// Requires a superuser (Django's `is_superuser`; `Rule::Superuser`).
///
/// ```text
/// #[superuser_required(raise_exception = true)]
/// #[delete("/admin/users/{id}")]
/// async fn delete_user(path: web::Path<i64>) -> impl Responder { ... }
/// ```
///
/// Takes no strings; only the `on_denied` and `raise_exception` options.
#[proc_macro_attribute]
pub fn superuser_required(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Superuser, attr.into(), item.into()).into()
}
