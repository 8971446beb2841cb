//! Parsing and validating the arguments inside `#[..._required(...)]`.
//!
//! The grammar is a comma-separated list whose items are either string
//! literals (permission or group names) or `option = value` pairs:
//!
//! ```text
//! "app.perm", "app.other", on_denied = path::to::hook, raise_exception = true
//! ```

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{ExprPath, Ident, LitBool, LitStr, Token};

/// Which of the five macros is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Login,
    Permission,
    Group,
    Staff,
    Superuser,
}

impl Kind {
    /// The attribute's name, for error messages.
    pub(crate) fn macro_name(self) -> &'static str {
        match self {
            Kind::Login => "login_required",
            Kind::Permission => "permission_required",
            Kind::Group => "group_required",
            Kind::Staff => "staff_required",
            Kind::Superuser => "superuser_required",
        }
    }

    /// What the string arguments mean, or `None` when the macro takes none.
    fn names_are(self) -> Option<&'static str> {
        match self {
            Kind::Permission => Some("permission"),
            Kind::Group => Some("group"),
            Kind::Login | Kind::Staff | Kind::Superuser => None,
        }
    }
}

/// The validated arguments of one attribute.
#[derive(Default)]
pub(crate) struct Args {
    /// Permission or group names, in the order written.
    pub(crate) names: Vec<LitStr>,
    pub(crate) on_denied: Option<ExprPath>,
    pub(crate) raise_exception: Option<LitBool>,
}

/// Parses and validates the attribute's arguments for `kind`.
pub(crate) fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Args> {
    let args = (|input: ParseStream| parse_list(kind, input)).parse2(tokens)?;
    validate(kind, &args)?;
    Ok(args)
}

const OPTIONS_HINT: &str =
    "the options are `on_denied = path::to::hook` and `raise_exception = true|false`";

fn parse_list(kind: Kind, input: ParseStream) -> syn::Result<Args> {
    let mut args = Args::default();
    while !input.is_empty() {
        if input.peek(LitStr) {
            args.names.push(input.parse()?);
        } else if input.peek(Ident) {
            parse_option(kind, input, &mut args)?;
        } else {
            let expected = match kind.names_are() {
                Some(what) => format!("expected a quoted {what} name or an option; {OPTIONS_HINT}"),
                None => format!("expected an option; {OPTIONS_HINT}"),
            };
            return Err(input.error(expected));
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

fn parse_option(kind: Kind, input: ParseStream, args: &mut Args) -> syn::Result<()> {
    let key: Ident = input.parse()?;
    let duplicate = || syn::Error::new_spanned(&key, format!("duplicate option `{key}`"));
    match key.to_string().as_str() {
        "on_denied" => {
            if args.on_denied.is_some() {
                return Err(duplicate());
            }
            input.parse::<Token![=]>()?;
            // A quoted path is a likely slip (serde-style); say so rather than
            // syn's generic "expected expression".
            if input.peek(LitStr) {
                return Err(input.error(
                    "`on_denied` takes a path to a fn, without quotes: `on_denied = crate::hooks::deny`",
                ));
            }
            args.on_denied = Some(input.parse().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "`on_denied` takes a path to a fn: `on_denied = crate::hooks::deny`",
                )
            })?);
        }
        "raise_exception" => {
            if args.raise_exception.is_some() {
                return Err(duplicate());
            }
            input.parse::<Token![=]>()?;
            args.raise_exception = Some(input.parse().map_err(|err| {
                syn::Error::new(err.span(), "`raise_exception` takes `true` or `false`")
            })?);
        }
        _ => {
            // A bare word where a name was meant (`blog.publish` unquoted) is
            // the common mistake for the macros that take names.
            let hint = match kind.names_are() {
                Some(what) => format!("; {what} names are quoted strings"),
                None => String::new(),
            };
            return Err(syn::Error::new_spanned(
                &key,
                format!(
                    "unknown option `{key}` for #[{}]; {OPTIONS_HINT}{hint}",
                    kind.macro_name()
                ),
            ));
        }
    }
    Ok(())
}

fn validate(kind: Kind, args: &Args) -> syn::Result<()> {
    let name = kind.macro_name();
    let Some(what) = kind.names_are() else {
        return match args.names.first() {
            None => Ok(()),
            Some(first) => Err(syn::Error::new_spanned(
                first,
                format!(
                    "#[{name}] takes no strings; {OPTIONS_HINT} \
                     (use #[permission_required(...)] or #[group_required(...)] to name permissions or groups)"
                ),
            )),
        };
    };
    if args.names.is_empty() {
        let example = if kind == Kind::Permission {
            "\"blog.publish\""
        } else {
            "\"Editors\""
        };
        // The span of the (possibly empty) argument list is the attribute itself.
        return Err(syn::Error::new(
            Span::call_site(),
            format!("#[{name}] needs at least one {what} name, e.g. #[{name}({example})]"),
        ));
    }
    // Report every bad name at once rather than one per compile.
    let mut errors: Option<syn::Error> = None;
    for lit in &args.names {
        let problem = match kind {
            Kind::Permission => check_permission(&lit.value()),
            _ => check_group(&lit.value()),
        };
        if let Err(message) = problem {
            let err = syn::Error::new_spanned(lit, message);
            match &mut errors {
                Some(all) => all.combine(err),
                None => errors = Some(err),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}

/// Django's permission strings are `app_label.codename`; anything else can
/// never match a granted permission, so it is rejected at compile time.
pub(crate) fn check_permission(perm: &str) -> Result<(), String> {
    if perm.is_empty() {
        return Err(
            "permission name is empty; expected `app_label.codename`, e.g. \"blog.publish\"".into(),
        );
    }
    let shape = || {
        format!(
            "\"{perm}\" is not a permission name: expected `app_label.codename` \
             (exactly one dot, both sides non-empty), e.g. \"blog.publish\""
        )
    };
    let Some((app, code)) = perm.split_once('.') else {
        return Err(shape());
    };
    if app.is_empty() || code.is_empty() || code.contains('.') {
        return Err(shape());
    }
    if let Some(bad) = perm
        .chars()
        .find(|&c| c != '.' && !(c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(format!(
            "\"{perm}\" is not a permission name: {bad:?} is not allowed; \
             use ASCII letters, digits and `_` on either side of the dot"
        ));
    }
    Ok(())
}

/// Group names are free text, but an empty (or all-blank) one is a mistake.
pub(crate) fn check_group(group: &str) -> Result<(), String> {
    if group.trim().is_empty() {
        return Err("group name is empty".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    fn ok(kind: Kind, tokens: TokenStream) -> Args {
        match parse(kind, tokens) {
            Ok(args) => args,
            Err(err) => panic!("unexpected error: {err}"),
        }
    }

    fn err(kind: Kind, tokens: TokenStream) -> String {
        match parse(kind, tokens) {
            Ok(_) => panic!("expected an error"),
            // Combined errors are all listed, so tests see every message.
            Err(err) => err
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn values(args: &Args) -> Vec<String> {
        args.names.iter().map(LitStr::value).collect()
    }

    #[test]
    fn empty_arguments_for_flag_macros() {
        for kind in [Kind::Login, Kind::Staff, Kind::Superuser] {
            let args = ok(kind, quote!());
            assert!(args.names.is_empty());
            assert!(args.on_denied.is_none());
            assert!(args.raise_exception.is_none());
        }
    }

    #[test]
    fn permissions_and_options() {
        let args = ok(
            Kind::Permission,
            quote!(
                "blog.publish",
                "blog.edit",
                on_denied = crate::hooks::deny,
                raise_exception = true
            ),
        );
        assert_eq!(values(&args), ["blog.publish", "blog.edit"]);
        assert_eq!(
            args.on_denied.unwrap().to_token_stream().to_string(),
            quote!(crate::hooks::deny).to_string()
        );
        assert!(args.raise_exception.unwrap().value);
    }

    #[test]
    fn options_in_any_order_and_trailing_comma() {
        let args = ok(
            Kind::Group,
            quote!(
                raise_exception = false,
                "Editors",
                on_denied = deny,
                "Staff Writers",
            ),
        );
        assert_eq!(values(&args), ["Editors", "Staff Writers"]);
        assert!(!args.raise_exception.unwrap().value);
        assert!(args.on_denied.is_some());
    }

    #[test]
    fn options_on_every_macro() {
        for (kind, names) in [
            (Kind::Login, quote!()),
            (Kind::Permission, quote!("a.b",)),
            (Kind::Group, quote!("G",)),
            (Kind::Staff, quote!()),
            (Kind::Superuser, quote!()),
        ] {
            let args = ok(kind, quote!(#names on_denied = h, raise_exception = true));
            assert!(args.on_denied.is_some() && args.raise_exception.is_some());
        }
    }

    #[test]
    fn raw_string_and_turbofish_hook() {
        let args = ok(
            Kind::Permission,
            quote!(r"blog.publish", on_denied = hooks::deny::<Json>),
        );
        assert_eq!(values(&args), ["blog.publish"]);
    }

    #[test]
    fn permission_shapes() {
        for good in ["blog.publish", "auth.add_user", "A1.b_2", "_._"] {
            assert_eq!(check_permission(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "blog",
            ".publish",
            "blog.",
            "a.b.c",
            "blog publish",
            "blog.pub-lish",
            "blög.publish",
            "blog.publish ",
        ] {
            assert!(check_permission(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn group_shapes() {
        assert_eq!(check_group("Editors"), Ok(()));
        assert_eq!(check_group("Staff writers (EU)"), Ok(()));
        assert!(check_group("").is_err());
        assert!(check_group("  ").is_err());
    }

    #[test]
    fn names_required() {
        let msg = err(Kind::Permission, quote!());
        assert!(
            msg.contains("#[permission_required] needs at least one permission name"),
            "{msg}"
        );
        let msg = err(Kind::Group, quote!(on_denied = deny));
        assert!(
            msg.contains("#[group_required] needs at least one group name"),
            "{msg}"
        );
    }

    #[test]
    fn empty_strings_rejected() {
        let msg = err(Kind::Permission, quote!(""));
        assert!(msg.contains("permission name is empty"), "{msg}");
        let msg = err(Kind::Group, quote!("Editors", ""));
        assert!(msg.contains("group name is empty"), "{msg}");
    }

    #[test]
    fn malformed_permissions_all_reported() {
        let msg = err(
            Kind::Permission,
            quote!("blog", "ok.fine", "a.b.c", "x.y-z"),
        );
        assert!(msg.contains("\"blog\" is not a permission name"), "{msg}");
        assert!(msg.contains("\"a.b.c\" is not a permission name"), "{msg}");
        assert!(msg.contains("'-' is not allowed"), "{msg}");
        assert!(!msg.contains("ok.fine"), "{msg}");
    }

    #[test]
    fn flag_macros_reject_strings() {
        for kind in [Kind::Login, Kind::Staff, Kind::Superuser] {
            let msg = err(kind, quote!("blog.publish"));
            let want = format!("#[{}] takes no strings", kind.macro_name());
            assert!(msg.contains(&want), "{msg}");
        }
    }

    #[test]
    fn login_required_rejects_other_tokens() {
        let msg = err(Kind::Login, quote!(42));
        assert!(msg.contains("expected an option"), "{msg}");
        let msg = err(Kind::Login, quote!(redirect_to = "/x"));
        assert!(
            msg.contains("unknown option `redirect_to` for #[login_required]"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_option() {
        let msg = err(Kind::Permission, quote!("a.b", login_url = "/login"));
        assert!(msg.contains("unknown option `login_url`"), "{msg}");
        assert!(msg.contains("on_denied = path::to::hook"), "{msg}");
        // Unquoted permission reads as an option; the hint points at quoting.
        let msg = err(Kind::Permission, quote!(blog.publish));
        assert!(msg.contains("permission names are quoted strings"), "{msg}");
    }

    #[test]
    fn duplicate_options() {
        let msg = err(Kind::Login, quote!(on_denied = a, on_denied = b));
        assert!(msg.contains("duplicate option `on_denied`"), "{msg}");
        let msg = err(
            Kind::Staff,
            quote!(raise_exception = true, raise_exception = false),
        );
        assert!(msg.contains("duplicate option `raise_exception`"), "{msg}");
    }

    #[test]
    fn bad_option_values() {
        let msg = err(Kind::Login, quote!(raise_exception = "yes"));
        assert!(
            msg.contains("`raise_exception` takes `true` or `false`"),
            "{msg}"
        );
        let msg = err(Kind::Login, quote!(on_denied = "crate::deny"));
        assert!(msg.contains("without quotes"), "{msg}");
        let msg = err(Kind::Login, quote!(on_denied = 3));
        assert!(msg.contains("`on_denied` takes a path to a fn"), "{msg}");
        let msg = err(Kind::Login, quote!(on_denied));
        assert!(msg.contains("expected `=`"), "{msg}");
    }

    #[test]
    fn missing_comma() {
        let msg = err(Kind::Permission, quote!("a.b" "c.d"));
        assert!(msg.contains("expected `,`"), "{msg}");
    }
}
