//! Building the output: a hidden `Requirement` type plus the handler with a
//! `Passed<...>` extractor prepended to its arguments.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Item, ItemFn, LitStr, Pat};

use crate::args::{self, Kind};

/// The guard parameter's name; later stacked guards get `_2`, `_3`, ...
const GUARD_PARAM: &str = "__portcullis_guard";

/// Expands one attribute. Never fails: errors become `compile_error!` and the
/// item is passed through unchanged, so the rest of the crate (routes naming
/// the handler, other attributes) still resolves and only our error shows.
pub(crate) fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(kind, attr, item.clone()) {
        Ok(out) => out,
        Err(err) => {
            let err = err.to_compile_error();
            quote! { #err #item }
        }
    }
}

fn try_expand(kind: Kind, attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    // Check both halves before giving up so one compile shows every problem.
    let args = args::parse(kind, attr);
    let handler = handler(kind, item);
    let (args, mut handler) = match (args, handler) {
        (Ok(args), Ok(handler)) => (args, handler),
        (Err(mut a), Err(h)) => {
            a.combine(h);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };

    // Stacked guards (`#[login_required] #[permission_required(..)]`) each add
    // a parameter and a type; number them so the names don't collide, and
    // insert after the earlier guards so checks run top attribute first, as
    // with stacked Django decorators.
    let stacked = handler
        .sig
        .inputs
        .iter()
        .take_while(|arg| is_guard_param(arg))
        .count();
    let suffix = match stacked {
        0 => String::new(),
        n => format!("_{}", n + 1),
    };
    let requirement = format_ident!("__portcullis_requirement_{}{}", handler.sig.ident, suffix);
    let guard = format_ident!("{}{}", GUARD_PARAM, suffix, span = Span::call_site());
    handler.sig.inputs.insert(
        stacked,
        syn::parse_quote!(#guard: ::portcullis::guard::Passed<#requirement>),
    );

    let rule = rule_tokens(kind, &args.names);
    let raise_exception = args
        .raise_exception
        .map(|flag| quote! { const RAISE_EXCEPTION: bool = #flag; });
    let on_denied = args.on_denied.map(|hook| {
        // Spanned on the user's path so a signature mismatch points there.
        let some = quote_spanned! {hook.span()=> ::core::option::Option::Some(#hook) };
        quote! {
            fn on_denied() -> ::core::option::Option<::portcullis::guard::DenyHook> { #some }
        }
    });
    // Same visibility as the handler: a `pub` handler's signature names this
    // type, which would otherwise trip `private_interfaces`.
    let vis = &handler.vis;

    // Plain items only, so the output is valid both at module level and inside
    // a fn body (where actix's route macros re-emit the handler).
    Ok(quote! {
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        #vis struct #requirement;
        impl ::portcullis::guard::Requirement for #requirement {
            const RULE: ::portcullis::guard::Rule = #rule;
            #raise_exception
            #on_denied
        }
        #handler
    })
}

/// Parses the annotated item and checks it can take an extractor.
fn handler(kind: Kind, item: TokenStream) -> syn::Result<ItemFn> {
    let name = kind.macro_name();
    let func = match syn::parse2::<Item>(item)? {
        Item::Fn(func) => func,
        _ => {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("#[{name}] goes on an async handler fn"),
            ))
        }
    };
    if let Some(receiver) = func.sig.receiver() {
        return Err(syn::Error::new_spanned(
            receiver,
            format!("#[{name}] goes on a free async handler fn, not a method taking `self`"),
        ));
    }
    if func.sig.asyncness.is_none() {
        let (fn_token, ident) = (&func.sig.fn_token, &func.sig.ident);
        return Err(syn::Error::new_spanned(
            quote!(#fn_token #ident),
            format!("#[{name}] goes on an async handler: make it `async fn {ident}`"),
        ));
    }
    Ok(func)
}

fn is_guard_param(arg: &FnArg) -> bool {
    let FnArg::Typed(typed) = arg else {
        return false;
    };
    matches!(&*typed.pat, Pat::Ident(p) if p.ident.to_string().starts_with(GUARD_PARAM))
}

fn rule_tokens(kind: Kind, names: &[LitStr]) -> TokenStream {
    // Re-created from the value so raw strings or literal suffixes can't leak.
    let names = names
        .iter()
        .map(|lit| LitStr::new(&lit.value(), lit.span()));
    let rule = quote!(::portcullis::guard::Rule);
    match kind {
        Kind::Login => quote!(#rule::Login),
        Kind::Staff => quote!(#rule::Staff),
        Kind::Superuser => quote!(#rule::Superuser),
        Kind::Permission => quote!(#rule::Permissions(&[#(#names),*])),
        Kind::Group => quote!(#rule::Groups(&[#(#names),*])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    /// Expands and re-parses the output as a file, so tests look at items,
    /// not at whitespace in a token string.
    fn expand_items(kind: Kind, attr: TokenStream, item: TokenStream) -> Vec<Item> {
        let out = expand(kind, attr, item);
        match syn::parse2::<syn::File>(out.clone()) {
            Ok(file) => file.items,
            Err(err) => panic!("output does not parse ({err}): {out}"),
        }
    }

    fn text(tokens: impl quote::ToTokens) -> String {
        tokens.to_token_stream().to_string()
    }

    /// Splits the successful output into (struct, impl, handler).
    fn parts(
        kind: Kind,
        attr: TokenStream,
        item: TokenStream,
    ) -> (syn::ItemStruct, syn::ItemImpl, ItemFn) {
        let items = expand_items(kind, attr, item);
        match <[Item; 3]>::try_from(items) {
            Ok([Item::Struct(s), Item::Impl(i), Item::Fn(f)]) => (s, i, f),
            Ok(other) => panic!("unexpected item kinds: {}", text(quote!(#(#other)*))),
            Err(items) => panic!(
                "expected 3 items, got {}: {}",
                items.len(),
                text(quote!(#(#items)*))
            ),
        }
    }

    /// The full error text of a failed expansion, and the item passed through.
    fn failure(kind: Kind, attr: TokenStream, item: TokenStream) -> (String, Vec<Item>) {
        let items = expand_items(kind, attr, item);
        let mut messages = Vec::new();
        let mut rest = Vec::new();
        for item in items {
            match item {
                // syn emits `::core::compile_error! { "..." }`.
                Item::Macro(m) if m.mac.path.segments.last().unwrap().ident == "compile_error" => {
                    let lit: LitStr = m.mac.parse_body().expect("compile_error takes a string");
                    messages.push(lit.value());
                }
                other => rest.push(other),
            }
        }
        assert!(
            !messages.is_empty(),
            "no compile_error in {}",
            text(quote!(#(#rest)*))
        );
        (messages.join("\n"), rest)
    }

    fn publish() -> TokenStream {
        quote! {
            /// Publishes a post.
            #[get("/posts/{id}/publish")]
            #[tracing::instrument]
            pub(crate) async fn publish<T: Clone>(path: web::Path<u32>, state: web::Data<T>) -> impl Responder
            where
                T: Send,
            {
                let id = path.into_inner();
                format!("published {id}")
            }
        }
    }

    #[test]
    fn permissions_with_both_options_expand_in_full() {
        let (s, i, f) = parts(
            Kind::Permission,
            quote!(
                "blog.publish",
                "blog.edit",
                on_denied = crate::hooks::deny,
                raise_exception = true
            ),
            quote! {
                async fn publish(path: web::Path<u32>) -> impl Responder { body }
            },
        );
        let expected: syn::File = syn::parse_quote! {
            #[allow(non_camel_case_types)]
            #[doc(hidden)]
            struct __portcullis_requirement_publish;
            impl ::portcullis::guard::Requirement for __portcullis_requirement_publish {
                const RULE: ::portcullis::guard::Rule =
                    ::portcullis::guard::Rule::Permissions(&["blog.publish", "blog.edit"]);
                const RAISE_EXCEPTION: bool = true;
                fn on_denied() -> ::core::option::Option<::portcullis::guard::DenyHook> {
                    ::core::option::Option::Some(crate::hooks::deny)
                }
            }
            async fn publish(
                __portcullis_guard: ::portcullis::guard::Passed<__portcullis_requirement_publish>,
                path: web::Path<u32>
            ) -> impl Responder { body }
        };
        assert_eq!(text(quote!(#s #i #f)), text(expected));
    }

    #[test]
    fn rule_per_macro() {
        let item = quote!(
            async fn h() -> u8 {
                0
            }
        );
        for (kind, attr, rule) in [
            (Kind::Login, quote!(), quote!(Rule::Login)),
            (Kind::Staff, quote!(), quote!(Rule::Staff)),
            (Kind::Superuser, quote!(), quote!(Rule::Superuser)),
            (
                Kind::Permission,
                quote!("a.b"),
                quote!(Rule::Permissions(&["a.b"])),
            ),
            (
                Kind::Group,
                quote!("Editors", "Admins"),
                quote!(Rule::Groups(&["Editors", "Admins"])),
            ),
        ] {
            let (s, i, _) = parts(kind, attr, item.clone());
            assert_eq!(s.ident, "__portcullis_requirement_h");
            let want = text(quote! {
                impl ::portcullis::guard::Requirement for __portcullis_requirement_h {
                    const RULE: ::portcullis::guard::Rule = ::portcullis::guard::#rule;
                }
            });
            assert_eq!(text(&i), want, "{kind:?}");
        }
    }

    #[test]
    fn options_only_when_given() {
        let item = quote!(
            async fn h() -> u8 {
                0
            }
        );
        let (_, i, _) = parts(Kind::Login, quote!(raise_exception = false), item.clone());
        let body = text(&i);
        assert!(
            body.contains("const RAISE_EXCEPTION : bool = false ;"),
            "{body}"
        );
        assert!(!body.contains("on_denied"), "{body}");

        let (_, i, _) = parts(Kind::Superuser, quote!(on_denied = deny), item);
        let body = text(&i);
        assert!(!body.contains("RAISE_EXCEPTION"), "{body}");
        assert!(
            body.contains(":: core :: option :: Option :: Some (deny)"),
            "{body}"
        );
    }

    #[test]
    fn guard_is_first_and_the_rest_is_preserved() {
        let original: ItemFn = syn::parse2(publish()).unwrap();
        let (s, _, f) = parts(Kind::Login, quote!(), publish());

        let first = f.sig.inputs.first().unwrap();
        assert_eq!(
            text(first),
            text(
                quote!(__portcullis_guard: ::portcullis::guard::Passed<__portcullis_requirement_publish>)
            )
        );
        let rest: Vec<_> = f.sig.inputs.iter().skip(1).map(text).collect();
        let before: Vec<_> = original.sig.inputs.iter().map(text).collect();
        assert_eq!(rest, before);

        // Everything but the argument list is untouched; `#[get]` in
        // particular stays on the handler so actix still routes it.
        let (attrs, original_attrs) = (&f.attrs, &original.attrs);
        assert_eq!(text(quote!(#(#attrs)*)), text(quote!(#(#original_attrs)*)));
        assert!(text(quote!(#(#attrs)*)).contains("get (\"/posts/{id}/publish\")"));
        assert_eq!(text(&f.vis), text(&original.vis));
        assert_eq!(text(&f.sig.generics), text(&original.sig.generics));
        assert_eq!(
            text(&f.sig.generics.where_clause),
            text(&original.sig.generics.where_clause)
        );
        assert_eq!(text(&f.sig.output), text(quote!(-> impl Responder)));
        assert_eq!(text(&f.block), text(&original.block));
        assert!(f.sig.asyncness.is_some());

        // The requirement type shares the handler's visibility.
        assert_eq!(text(&s.vis), text(quote!(pub(crate))));
    }

    #[test]
    fn handler_without_arguments() {
        let (_, _, f) = parts(
            Kind::Staff,
            quote!(),
            quote!(
                async fn index() -> &'static str {
                    "hi"
                }
            ),
        );
        assert_eq!(f.sig.inputs.len(), 1);
        assert_eq!(
            text(&f.sig.inputs),
            text(
                quote!(__portcullis_guard: ::portcullis::guard::Passed<__portcullis_requirement_index>)
            )
        );
    }

    #[test]
    fn stacked_guards_get_distinct_names_in_attribute_order() {
        // What the compiler hands the second attribute after the first expanded.
        let once = expand(
            Kind::Login,
            quote!(),
            quote!(
                #[permission_required("a.b")]
                async fn h(x: u8) -> u8 {
                    x
                }
            ),
        );
        let file: syn::File = syn::parse2(once).unwrap();
        let Some(Item::Fn(inner)) = file.items.last() else {
            panic!("no handler emitted")
        };
        let (s, i, f) = parts(Kind::Permission, quote!("a.b"), inner.to_token_stream());
        assert_eq!(s.ident, "__portcullis_requirement_h_2");
        assert!(text(&i).contains("Permissions"));
        let params: Vec<_> = f.sig.inputs.iter().map(text).collect();
        assert_eq!(
            params,
            [
                text(
                    quote!(__portcullis_guard: ::portcullis::guard::Passed<__portcullis_requirement_h>)
                ),
                text(
                    quote!(__portcullis_guard_2: ::portcullis::guard::Passed<__portcullis_requirement_h_2>)
                ),
                text(quote!(x: u8)),
            ]
        );
    }

    #[test]
    fn raw_identifier_handler() {
        let (s, _, _) = parts(
            Kind::Login,
            quote!(),
            quote!(
                async fn r#type() -> u8 {
                    0
                }
            ),
        );
        assert_eq!(s.ident, "__portcullis_requirement_type");
    }

    #[test]
    fn non_async_fn() {
        let item = quote!(
            fn publish() -> u8 {
                0
            }
        );
        let (msg, rest) = failure(Kind::Login, quote!(), item.clone());
        assert!(
            msg.contains("#[login_required] goes on an async handler"),
            "{msg}"
        );
        // Passed through untouched so later errors don't pile on.
        assert_eq!(text(quote!(#(#rest)*)), text(item));

        let (msg, _) = failure(
            Kind::Group,
            quote!("Editors"),
            quote!(
                fn f() {}
            ),
        );
        assert!(
            msg.contains("#[group_required] goes on an async handler"),
            "{msg}"
        );
    }

    #[test]
    fn method_with_self() {
        for receiver in [
            quote!(&self),
            quote!(self),
            quote!(&mut self),
            quote!(self: Box<Self>),
        ] {
            let (msg, _) = failure(
                Kind::Staff,
                quote!(),
                quote!(async fn show(#receiver, id: u32) -> u8 { 0 }),
            );
            assert!(msg.contains("not a method taking `self`"), "{msg}");
        }
    }

    #[test]
    fn not_a_fn() {
        let (msg, rest) = failure(
            Kind::Superuser,
            quote!(),
            quote!(
                struct Admin;
            ),
        );
        assert!(
            msg.contains("#[superuser_required] goes on an async handler fn"),
            "{msg}"
        );
        assert_eq!(rest.len(), 1);
    }

    #[test]
    fn argument_errors_become_compile_errors() {
        let item = quote!(
            async fn h() -> u8 {
                0
            }
        );
        for (kind, attr, want) in [
            (
                Kind::Permission,
                quote!(),
                "needs at least one permission name",
            ),
            (Kind::Group, quote!(), "needs at least one group name"),
            (Kind::Permission, quote!(""), "permission name is empty"),
            (Kind::Group, quote!(""), "group name is empty"),
            (
                Kind::Permission,
                quote!("publish"),
                "is not a permission name",
            ),
            (
                Kind::Permission,
                quote!("blog.pub lish"),
                "' ' is not allowed",
            ),
            (
                Kind::Login,
                quote!("a.b"),
                "#[login_required] takes no strings",
            ),
            (Kind::Login, quote!(next = "/"), "unknown option `next`"),
            (
                Kind::Group,
                quote!("G", raise = true),
                "unknown option `raise`",
            ),
            (
                Kind::Login,
                quote!(on_denied = a, on_denied = a),
                "duplicate option `on_denied`",
            ),
            (
                Kind::Permission,
                quote!("a.b", raise_exception = true, raise_exception = true),
                "duplicate option `raise_exception`",
            ),
        ] {
            let (msg, rest) = failure(kind, attr, item.clone());
            assert!(msg.contains(want), "{kind:?}: {msg}");
            assert_eq!(text(quote!(#(#rest)*)), text(&item));
        }
    }

    #[test]
    fn argument_and_item_errors_reported_together() {
        let (msg, _) = failure(
            Kind::Permission,
            quote!("nodot"),
            quote!(
                fn h() {}
            ),
        );
        assert!(msg.contains("is not a permission name"), "{msg}");
        assert!(msg.contains("goes on an async handler"), "{msg}");
    }

    #[test]
    fn output_is_valid_inside_a_fn_body() {
        // actix's `#[get]` above ours moves the handler into a method body.
        let inner = expand(
            Kind::Login,
            quote!(),
            quote!(
                async fn h() -> u8 {
                    0
                }
            ),
        );
        let wrapped = quote! { fn register() { #inner let _ = h; } };
        syn::parse2::<ItemFn>(wrapped).expect("expansion is not valid as block items");
    }
}
