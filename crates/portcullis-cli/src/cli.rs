//! The command line, as clap sees it. Names here are a contract: users,
//! docs and the outside contract test call them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use portcullis::settings::SETTINGS_ENV;

const LONG_ABOUT: &str = "\
Manage a Portcullis installation: apply database migrations, check settings, \
create users and superusers, change passwords, grant permissions, manage \
groups and clear expired sessions.

Settings come from --settings FILE, else $PORTCULLIS_SETTINGS, else \
./settings.toml when it exists, else the built-in defaults. Environment \
variables PORTCULLIS__SECTION__KEY (e.g. PORTCULLIS__DATABASE__URL) override \
any of them.

Example:
  portcullis --settings settings.toml migrate
  portcullis createsuperuser --username root --email root@example.com
  PORTCULLIS_PASSWORD='correct-horse-battery' portcullis user create alice --email alice@example.com --no-input
  portcullis user grant alice reports.view";

/// `portcullis`: the Portcullis management command.
#[derive(Debug, Parser)]
#[command(
    name = "portcullis",
    version,
    about = "Manage Portcullis: migrations, settings check, users, groups, permissions, sessions",
    long_about = LONG_ABOUT,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Settings file (TOML) [default: ./settings.toml when it exists, else built-in defaults]
    #[arg(long, global = true, value_name = "FILE", env = SETTINGS_ENV)]
    pub settings: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// Every top-level command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations (needed on PostgreSQL; SQLite migrates itself by default)
    #[command(
        long_about = "Apply pending database migrations. Run it on every deploy when \
        using PostgreSQL (database.auto_migrate defaults to false there); SQLite applies them \
        at start-up unless database.auto_migrate = false.\n\n\
        Example:\n  portcullis --settings settings.toml migrate"
    )]
    Migrate,
    /// Validate the settings (and fetch each OpenID provider's discovery document) and exit
    #[command(
        long_about = "Validate the settings (unknown keys, bad values, unsafe choices) \
        and exit; the error names the offending key.\n\n\
        Example:\n  portcullis --settings settings.toml check --database"
    )]
    Check {
        /// Also connect to the database
        #[arg(long)]
        database: bool,
    },
    /// Create an active staff superuser
    #[command(
        long_about = "Create an active staff superuser. The password is asked twice \
        at a prompt, or read from PORTCULLIS_PASSWORD with --no-input, and must pass the \
        configured password validators.\n\n\
        Example:\n  portcullis createsuperuser --username root --email root@example.com"
    )]
    Createsuperuser {
        /// Username of the new superuser
        #[arg(long)]
        username: String,
        /// Email address of the new superuser
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Set a user's password (ends all of their sessions)
    #[command(
        long_about = "Set a user's password; it must pass the configured password \
        validators. Every session of the user ends.\n\n\
        Example:\n  portcullis changepassword alice"
    )]
    Changepassword {
        /// Username (case-insensitive)
        username: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Create users and grant or revoke their permissions
    #[command(
        subcommand,
        long_about = "Create users and grant or revoke their permissions.\n\n\
        Example:\n  portcullis user create alice --email alice@example.com\n  \
        portcullis user grant alice reports.view"
    )]
    User(UserCommand),
    /// Manage group membership and group permissions
    #[command(
        subcommand,
        long_about = "Manage group membership and group permissions.\n\n\
        Example:\n  portcullis group add-user Editors alice\n  \
        portcullis group grant Editors reports.view"
    )]
    Group(GroupCommand),
    /// Copy the default templates and stylesheet into DIR, to make them your own
    #[command(
        long_about = "Copy Portcullis' default page templates (DIR/templates/portcullis/) \
        and stylesheet and logo (DIR/static/portcullis/) into DIR as a starting point for \
        the app's own look. Existing files are left alone and the command fails, unless \
        --force. docs/TEMPLATES.md explains how to compile them into the app's renderer.\n\n\
        Example:\n  portcullis eject-templates .\n  portcullis eject-templates ui --force"
    )]
    EjectTemplates {
        /// Folder to copy into (created when missing)
        dir: PathBuf,
        /// Overwrite files that already exist
        #[arg(long)]
        force: bool,
    },
    /// Maintain the session table
    #[command(
        subcommand,
        long_about = "Maintain the session table.\n\n\
        Example:\n  portcullis sessions clear-expired"
    )]
    Sessions(SessionsCommand),
    /// Send a test mail through the [email] settings (Django's sendtestemail)
    #[command(
        long_about = "Send a test mail to each ADDRESS through the [email] settings and wait \
        for the server's answer, so a wrong host, port, TLS mode or password shows here, \
        not when a user asks for a password reset.\n\n\
        Example:\n  portcullis sendtestemail admin@example.com"
    )]
    Sendtestemail {
        /// Recipient addresses
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// OpenID Connect providers: what to register with them
    #[command(
        subcommand,
        long_about = "OpenID Connect providers ([[oidc.providers]] in the settings).\n\n\
        Example:\n  portcullis oidc urls"
    )]
    Oidc(OidcCommand),
}

/// `portcullis oidc …`
#[derive(Debug, Subcommand)]
pub enum OidcCommand {
    /// Print the redirect URIs to register with each provider
    #[command(
        long_about = "Print, for each provider, the redirect URI to register with it \
        ({auth.site_origin}/oidc/{id}/callback) and, for providers with \
        rp_initiated_logout, the post-logout redirect URI. With \
        auth.site_origin unset (\"\") the origin comes from each request: \
        the lines show <request-origin> in its place.\n\n\
        Example:\n  portcullis oidc urls"
    )]
    Urls,
}

/// `portcullis user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (active, not staff, unless flags say otherwise)
    #[command(
        long_about = "Create a user. The password is asked twice at a prompt, or read \
        from PORTCULLIS_PASSWORD with --no-input.\n\n\
        Example:\n  portcullis user create alice --email alice@example.com --staff"
    )]
    Create {
        /// Username (letters, digits, . - _)
        username: String,
        /// Email address
        #[arg(long)]
        email: String,
        /// May enter staff-only areas
        #[arg(long)]
        staff: bool,
        /// Has every permission
        #[arg(long)]
        superuser: bool,
        /// Create the account disabled (cannot sign in)
        #[arg(long)]
        inactive: bool,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Grant a permission directly to a user (the permission is created when new)
    #[command(
        long_about = "Grant a permission directly to a user; the permission is created \
        when new.\n\nExample:\n  portcullis user grant alice reports.view"
    )]
    Grant {
        /// Username (case-insensitive)
        username: String,
        /// Permission codename, "app.action"
        permission: String,
    },
    /// Revoke a permission granted directly to a user (group permissions stay)
    #[command(
        long_about = "Revoke a permission granted directly to a user; permissions the \
        user holds through a group stay. Revoking one the user lacks changes nothing and \
        succeeds.\n\nExample:\n  portcullis user revoke alice reports.view"
    )]
    Revoke {
        /// Username (case-insensitive)
        username: String,
        /// Permission codename, "app.action"
        permission: String,
    },
    /// Mark a user's email address as confirmed
    #[command(
        long_about = "Mark a user's email address as confirmed, as following the emailed \
        link would (with auth.email_verification = \"mandatory\" the user may then sign \
        in).\n\nExample:\n  portcullis user verify-email alice"
    )]
    VerifyEmail {
        /// Username (case-insensitive)
        username: String,
    },
}

/// `portcullis group …`
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Add a user to a group (the group is created when new)
    #[command(
        long_about = "Add a user to a group; the group is created when new.\n\n\
        Example:\n  portcullis group add-user Editors alice"
    )]
    AddUser {
        /// Group name
        group: String,
        /// Username (case-insensitive)
        username: String,
    },
    /// Remove a user from a group
    #[command(
        long_about = "Remove a user from a group. Removing a user who is not a member \
        changes nothing and succeeds.\n\nExample:\n  portcullis group remove-user Editors alice"
    )]
    RemoveUser {
        /// Group name
        group: String,
        /// Username (case-insensitive)
        username: String,
    },
    /// Grant a permission to every member of a group (both created when new)
    #[command(
        long_about = "Grant a permission to every member of a group; the group and \
        the permission are created when new.\n\nExample:\n  portcullis group grant Editors reports.view"
    )]
    Grant {
        /// Group name
        group: String,
        /// Permission codename, "app.action"
        permission: String,
    },
    /// Revoke a permission from a group
    #[command(
        long_about = "Revoke a permission from a group. Revoking one the group lacks \
        changes nothing and succeeds.\n\nExample:\n  portcullis group revoke Editors reports.view"
    )]
    Revoke {
        /// Group name
        group: String,
        /// Permission codename, "app.action"
        permission: String,
    },
}

/// `portcullis sessions …`
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Delete sessions past their lifetime or idle timeout, and rate-limit windows that no longer count (run it from cron)
    #[command(
        long_about = "Delete sessions past their lifetime or idle timeout, and rate-limit \
        windows that no longer count, and print how many of each were removed; run it \
        periodically (cron, systemd timer) when session.purge_interval_secs is 0.\n\n\
        Example:\n  portcullis sessions clear-expired"
    )]
    ClearExpired,
}

/// Where a new password comes from.
#[derive(Debug, Args)]
pub struct PasswordSource {
    /// Don't prompt: read the password from the PORTCULLIS_PASSWORD environment variable
    #[arg(long)]
    pub no_input: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn command_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
