//! `[auth.messages]`: every user-visible string of the default pages.

use serde::{Deserialize, Serialize};

/// Declares the messages struct, its defaults and their docs in one place.
macro_rules! messages {
    ($($(#[doc = $doc:literal])* $name:ident = $default:literal;)*) => {
        /// Every user-visible string of the default pages; override any of them in `[auth.messages]`.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Messages {
            $($(#[doc = $doc])* pub $name: String,)*
        }

        impl Default for Messages {
            fn default() -> Self {
                Self { $($name: $default.into(),)* }
            }
        }
    };
}

messages! {
    /// Heading of the login page.
    login_heading = "Sign in";
    /// Submit button of the login page.
    login_button = "Sign in";
    /// Label of the login field when usernames and emails are accepted.
    login_label_username_or_email = "Username or email";
    /// Label of the login field when only usernames are accepted.
    login_label_username = "Username";
    /// Label of the login field when only emails are accepted.
    login_label_email = "Email";
    /// Label of password fields.
    password_label = "Password";
    /// The one failure message for unknown user, wrong password and inactive account.
    login_failed = "Please enter a correct username and password. Note that both fields may be case-sensitive.";
    /// Link from the login page to the signup page.
    signup_prompt = "No account yet? Create one";
    /// Heading of the logout page.
    logout_heading = "Sign out";
    /// Question on the logout confirmation page.
    logout_confirm = "Are you sure you want to sign out?";
    /// Submit button of the logout page.
    logout_button = "Sign out";
    /// Shown on the logout page to a visitor who is not signed in.
    logout_not_signed_in = "You are not signed in.";
    /// Link back to the home page on the logout page, for a visitor who is not signed in.
    logout_home_link = "Back to the home page";
    /// Heading of the signup page.
    signup_heading = "Create an account";
    /// Submit button of the signup page.
    signup_button = "Create account";
    /// Label of the username field.
    username_label = "Username";
    /// Label of the email field.
    email_label = "Email";
    /// Label of the password confirmation field.
    password_confirm_label = "Password (again)";
    /// Link from the signup page to the login page.
    login_prompt = "Already have an account? Sign in";
    /// A required field was left empty.
    field_required = "This field is required.";
    /// The username is taken (case-insensitively).
    username_taken = "A user with that username already exists.";
    /// The email is taken (case-insensitively).
    email_taken = "A user with that email address already exists.";
    /// Username has characters outside letters, digits and . - _ (or contains @).
    username_invalid = "Enter a valid username: letters, digits and . - _ only.";
    /// Username too long.
    username_too_long = "Usernames have at most 150 characters.";
    /// The email address is not valid.
    email_invalid = "Enter a valid email address.";
    /// The two passwords differ.
    password_mismatch = "The two password fields didn't match.";
    /// Password shorter than the minimum; `{min}` is replaced.
    password_too_short = "This password is too short. It must contain at least {min} characters.";
    /// Password longer than the maximum; `{max}` is replaced.
    password_too_long = "This password is too long. It must contain at most {max} characters.";
    /// Password made of digits only.
    password_all_numeric = "This password is entirely numeric.";
    /// Password from the common-passwords list.
    password_too_common = "This password is too common.";
    /// Password too similar to the username or email; `{field}` is replaced.
    password_too_similar = "The password is too similar to the {field}.";
    /// Help text under new-password fields; `{min}` is replaced.
    password_help = "At least {min} characters; not a common password, not all digits, not like your username or email.";
    /// Language of these messages and of the pages (`<html lang>`), a BCP 47 tag like `en` or `pt-BR`.
    lang = "en";
    /// Before the signed-in user's name in the page header.
    signed_in_as = "Signed in as";
    /// Between the login form and the provider buttons.
    login_or = "or";
    /// Heading of the summary at the top of a form that came back with errors.
    error_summary_heading = "There is a problem";
    /// `<title>` of a page whose form has errors; `{title}` is replaced by the page's title.
    error_title = "Error: {title}";
    /// Title of the 403 page.
    forbidden_heading = "Access denied";
    /// Title of the 400 page.
    bad_request_heading = "Bad request";
    /// Title of the 404 page.
    not_found_heading = "Page not found";
    /// Title of the 413 page.
    too_large_heading = "Form too large";
    /// Title of the 429 page.
    too_many_attempts_heading = "Too many attempts";
    /// Title of the 500 page.
    server_error_heading = "Something went wrong";
    /// Title of the 503 page.
    unavailable_heading = "Temporarily unavailable";
    /// Body of the 403 page for a signed-in user lacking a right.
    forbidden_message = "You do not have permission to view this page.";
    /// Body of the 403 page for a failed CSRF check.
    csrf_failed = "Your form has expired or was sent from another site. Reload the page and try again.";
    /// Body of the 400 page.
    bad_request = "The request could not be understood. Check the form and try again.";
    /// Body of the 413 page.
    too_large = "The submitted form is too large.";
    /// Body of the 404 page.
    not_found = "This page does not exist.";
    /// Body of the 429 page when a login limit refuses an attempt.
    too_many_login_attempts = "Too many failed login attempts. Try again later.";
    /// Body of the 429 page when another rate limit (signup) refuses an attempt.
    too_many_attempts = "Too many attempts. Try again later.";
    /// Body of the 503 page (database unreachable, hashing queue full).
    unavailable = "The service is temporarily unavailable. Please try again in a moment.";
    /// Body of the 503 page when too many people sign in or up at once.
    busy = "Lots of people are signing in right now. Please try again in a moment.";
    /// Body of the 500 page.
    server_error = "Something went wrong on our side. Please try again.";
    /// Link back to the home page on error pages.
    home_link = "Back to the home page";
}
