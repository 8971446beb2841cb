//! Compiles real expansions against a stand-in for `::portcullis::guard`
//! with the same shape as the real one, so the generated paths, consts and
//! hook coercion are type-checked without depending on the `portcullis`
//! crate (or actix-web) from here.

#![deny(warnings)]

// Makes `::portcullis::...` in the generated code resolve to this crate.
extern crate self as portcullis;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use portcullis_macros::{
    group_required, login_required, permission_required, staff_required, superuser_required,
};

pub mod guard {
    //! Mirror of the runtime API; only the shapes matter here.
    use std::marker::PhantomData;

    pub struct HttpRequest;
    pub struct HttpResponse(pub u16);
    pub struct Denial;

    #[derive(Debug, PartialEq, Eq)]
    pub enum Rule {
        Login,
        Permissions(&'static [&'static str]),
        Groups(&'static [&'static str]),
        Staff,
        Superuser,
    }

    pub type DenyHook = fn(&HttpRequest, &Denial) -> Option<HttpResponse>;

    pub trait Requirement: 'static {
        const RULE: Rule;
        const RAISE_EXCEPTION: bool = false;
        fn on_denied() -> Option<DenyHook> {
            None
        }
    }

    pub struct Passed<R: Requirement>(PhantomData<R>);

    impl<R: Requirement> Passed<R> {
        pub fn granted() -> Self {
            Passed(PhantomData)
        }
    }
}

use guard::{Denial, HttpRequest, Passed, Requirement, Rule};

pub mod hooks {
    use super::guard::{Denial, HttpRequest, HttpResponse};

    pub fn teapot(_: &HttpRequest, _: &Denial) -> Option<HttpResponse> {
        Some(HttpResponse(418))
    }
}

/// Handlers here take no real I/O, so one poll finishes them.
fn run<F: Future>(fut: F) -> F::Output {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("handler did not finish in one poll"),
    }
}

fn raises<R: Requirement>() -> bool {
    R::RAISE_EXCEPTION
}

fn hook_status<R: Requirement>() -> Option<u16> {
    R::on_denied()
        .and_then(|hook| hook(&HttpRequest, &Denial))
        .map(|response| response.0)
}

#[login_required]
async fn home() -> &'static str {
    "home"
}

#[permission_required(
    "blog.publish",
    "blog.edit",
    on_denied = crate::hooks::teapot,
    raise_exception = true
)]
pub async fn publish(id: u32) -> String {
    format!("published {id}")
}

/// A `pub` handler with docs, generics and a where-clause.
#[group_required("Editors", "Staff Writers", raise_exception = false)]
pub async fn review<T>(item: T) -> T
where
    T: Clone,
{
    item.clone()
}

#[staff_required(on_denied = hooks::teapot)]
pub(crate) async fn admin() -> u8 {
    1
}

#[superuser_required]
async fn nuke(a: u8, b: u8) -> u8 {
    a + b
}

// Stacked: the top attribute's guard comes first.
#[login_required]
#[permission_required("blog.view")]
async fn stacked(x: u8) -> u8 {
    x
}

#[test]
fn rules() {
    assert_eq!(
        <__portcullis_requirement_home as Requirement>::RULE,
        Rule::Login
    );
    assert_eq!(
        <__portcullis_requirement_publish as Requirement>::RULE,
        Rule::Permissions(&["blog.publish", "blog.edit"])
    );
    assert_eq!(
        <__portcullis_requirement_review as Requirement>::RULE,
        Rule::Groups(&["Editors", "Staff Writers"])
    );
    assert_eq!(
        <__portcullis_requirement_admin as Requirement>::RULE,
        Rule::Staff
    );
    assert_eq!(
        <__portcullis_requirement_nuke as Requirement>::RULE,
        Rule::Superuser
    );
}

#[test]
fn options() {
    assert!(!raises::<__portcullis_requirement_home>());
    assert_eq!(hook_status::<__portcullis_requirement_home>(), None);

    assert!(raises::<__portcullis_requirement_publish>());
    assert_eq!(hook_status::<__portcullis_requirement_publish>(), Some(418));

    assert!(!raises::<__portcullis_requirement_review>());
    assert_eq!(hook_status::<__portcullis_requirement_admin>(), Some(418));
}

#[test]
fn guard_comes_first_and_handlers_still_work() {
    assert_eq!(run(home(Passed::granted())), "home");
    assert_eq!(run(publish(Passed::granted(), 7)), "published 7");
    assert_eq!(run(review(Passed::granted(), 'x')), 'x');
    assert_eq!(run(admin(Passed::granted())), 1);
    assert_eq!(run(nuke(Passed::granted(), 2, 3)), 5);
}

#[test]
fn stacked_guards() {
    assert_eq!(
        <__portcullis_requirement_stacked as Requirement>::RULE,
        Rule::Login
    );
    assert_eq!(
        <__portcullis_requirement_stacked_2 as Requirement>::RULE,
        Rule::Permissions(&["blog.view"])
    );
    let _: fn(
        Passed<__portcullis_requirement_stacked>,
        Passed<__portcullis_requirement_stacked_2>,
        u8,
    ) -> _ = stacked;
    assert_eq!(run(stacked(Passed::granted(), Passed::granted(), 4)), 4);
}

#[test]
fn inside_a_fn_body() {
    // Where actix's `#[get]` puts the handler when it sits above ours.
    #[group_required("Editors", on_denied = crate::hooks::teapot)]
    async fn inner(n: u8) -> u8 {
        n * 2
    }
    assert_eq!(
        <__portcullis_requirement_inner as Requirement>::RULE,
        Rule::Groups(&["Editors"])
    );
    assert_eq!(hook_status::<__portcullis_requirement_inner>(), Some(418));
    assert_eq!(run(inner(Passed::granted(), 21)), 42);
}
