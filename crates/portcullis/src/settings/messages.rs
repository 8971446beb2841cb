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
    /// Link from the login page to the password-reset page.
    forgot_password_prompt = "Forgotten your password?";
    /// Heading of the password-change page.
    password_change_heading = "Change your password";
    /// Label of the current-password field.
    old_password_label = "Current password";
    /// Label of the new-password field.
    new_password_label = "New password";
    /// Label of the new-password confirmation field.
    new_password_confirm_label = "New password (again)";
    /// Submit button of the password-change page.
    password_change_button = "Change password";
    /// The current password given on the password-change page is wrong.
    password_incorrect = "Your current password was entered incorrectly. Please enter it again.";
    /// Heading of the page after a password change.
    password_changed_heading = "Password changed";
    /// Body of the page after a password change.
    password_changed_message = "Your password was changed. You are still signed in here; every other session of your account was signed out.";
    /// Heading of the password-reset request page.
    password_reset_heading = "Reset your password";
    /// Text above the password-reset request form.
    password_reset_intro = "Forgotten your password? Enter your email address, and we will email you a link to set a new one.";
    /// Submit button of the password-reset request page.
    password_reset_button = "Email me a link";
    /// Heading of the page after a reset request (the same whether the address is known or not).
    password_reset_sent_heading = "Check your email";
    /// Body of the page after a reset request (the same whether the address is known or not).
    password_reset_sent_message = "If an account uses that address, we have emailed it a link to set a new password. It should arrive in a few minutes; look in your spam folder if it does not.";
    /// Heading of the set-a-new-password page.
    password_reset_confirm_heading = "Set a new password";
    /// Submit button of the set-a-new-password page.
    password_reset_confirm_button = "Set password";
    /// Heading of the page after a password reset.
    password_reset_complete_heading = "Your password is set";
    /// Body of the page after a password reset.
    password_reset_complete_message = "Your password has been set, and every session of your account was signed out. You may sign in now.";
    /// Heading of the page for a reset or confirmation link that no longer works.
    link_invalid_heading = "This link is no longer valid";
    /// Body of the page for a reset link that no longer works.
    password_reset_link_invalid = "This password reset link has expired or has already been used. Ask for a new one.";
    /// Link to ask for a new reset or confirmation link.
    request_new_link = "Ask for a new link";
    /// Heading of the page that confirms an email address.
    verify_email_heading = "Confirm your email address";
    /// Question on the confirmation page; `{email}` is replaced.
    verify_email_confirm = "Is {email} your email address? Confirm it to finish.";
    /// Submit button of the confirmation page.
    verify_email_button = "Confirm";
    /// Heading of the page after an address is confirmed.
    email_verified_heading = "Email address confirmed";
    /// Body of the page after an address is confirmed; `{email}` is replaced.
    email_verified_message = "Your email address {email} is confirmed.";
    /// Body of the page for a confirmation link that no longer works.
    verification_link_invalid = "This confirmation link has expired or has already been used. Ask for a new one.";
    /// Heading of the page after a confirmation link is sent.
    verification_sent_heading = "Check your email";
    /// Body of the page after a confirmation link is sent (the same whether the address is new, taken or unknown).
    verification_sent_message = "We have sent a confirmation link to the address you gave. Follow it to finish; it should arrive in a few minutes.";
    /// Login refused until the address is confirmed (auth.email_verification = "mandatory").
    verification_required = "Please confirm your email address before you sign in. We have emailed you a link.";
    /// Heading of the page that sends the confirmation link again.
    verify_email_resend_heading = "Send the confirmation link again";
    /// Text above the resend form.
    verify_email_resend_intro = "Enter your email address, and we will send a new confirmation link if it still needs one.";
    /// Submit button of the resend form.
    verify_email_resend_button = "Send the link";
    /// Heading of the email-change page.
    email_change_heading = "Change your email address";
    /// The account's current address on the email-change page; `{email}` is replaced.
    email_change_current = "Your email address is {email}.";
    /// Shown beside an address that is not confirmed yet.
    email_unconfirmed = "It is not confirmed yet.";
    /// Label of the new-address field.
    new_email_label = "New email address";
    /// Submit button of the email-change page.
    email_change_button = "Send a confirmation link";
    /// Body of the page after an email change is asked for; `{email}` is replaced.
    email_change_sent_message = "We have sent a link to {email}. Your address changes when you follow it.";
    /// Heading of the reauthentication page.
    reauthenticate_heading = "Confirm it is you";
    /// Text above the reauthentication form.
    reauthenticate_intro = "For your security, enter your password again to continue.";
    /// Submit button of the reauthentication page.
    reauthenticate_button = "Confirm";
    /// The reauthentication page of an account without a password (signed
    /// in through an OpenID provider).
    reauthenticate_no_password = "For your security, sign out and sign in again to continue.";
    /// The new address is the account's address already.
    email_same = "This is already your email address.";
    /// Subject of the password-reset mail.
    mail_password_reset_subject = "Reset your password";
    /// Subject of the notice after a password change or reset.
    mail_password_changed_subject = "Your password was changed";
    /// Subject of the confirmation mail for a new account's address.
    mail_verify_email_subject = "Confirm your email address";
    /// Subject of the confirmation mail for a new address.
    mail_email_change_subject = "Confirm your new email address";
    /// Subject of the notice to the old address after an email change.
    mail_email_changed_subject = "Your email address was changed";
    /// Subject of the mail to an address someone tried to sign up with again.
    mail_account_exists_subject = "Someone tried to sign up with your email address";
    /// Subject of `portcullis sendtestemail`.
    mail_test_subject = "Test message from Portcullis";
}
