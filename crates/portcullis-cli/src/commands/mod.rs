//! One module per command family; each command returns the line to print on success.

mod check;
mod contrast;
mod eject;
mod groups;
mod mail;
mod migrate;
mod oidc;
mod password;
mod sessions;
mod users;

use std::path::{Path, PathBuf};

use anyhow::Result;
use portcullis::{Auth, Settings};

use crate::cli::{Cli, Command, GroupCommand, OidcCommand, SessionsCommand, UserCommand};

/// Used when neither `--settings` nor `PORTCULLIS_SETTINGS` names a file.
const DEFAULT_SETTINGS_FILE: &str = "settings.toml";

/// Runs the parsed command and returns its one-line success message.
pub async fn run(cli: Cli) -> Result<String> {
    // Copying files needs no settings (a broken settings.toml must not stop it).
    if let Command::EjectTemplates { dir, force } = &cli.command {
        return eject::run(dir, *force);
    }
    let (settings, source) = load_settings(cli.settings.as_deref())?;
    match cli.command {
        Command::Migrate => migrate::run(&settings).await,
        Command::Check { database } => check::run(&settings, &source, database).await,
        Command::Createsuperuser {
            username,
            email,
            password,
        } => {
            let auth = connect(settings).await?;
            let flags = users::Flags {
                active: true,
                staff: true,
                superuser: true,
            };
            let created = users::create(&auth, &username, &email, flags, password.no_input).await;
            // A superuser's address is taken as confirmed: the operator typed it.
            let created = match created {
                Ok(line) => auth
                    .mark_email_verified(&username)
                    .await
                    .map(|()| line)
                    .map_err(Into::into),
                Err(e) => Err(e),
            };
            finish(&auth, created).await
        }
        Command::Changepassword { username, password } => {
            let auth = connect(settings).await?;
            finish(
                &auth,
                users::change_password(&auth, &username, password.no_input).await,
            )
            .await
        }
        Command::User(cmd) => {
            let auth = connect(settings).await?;
            let out = match cmd {
                UserCommand::Create {
                    username,
                    email,
                    staff,
                    superuser,
                    inactive,
                    password,
                } => {
                    let flags = users::Flags {
                        active: !inactive,
                        staff,
                        superuser,
                    };
                    users::create(&auth, &username, &email, flags, password.no_input).await
                }
                UserCommand::Grant {
                    username,
                    permission,
                } => users::grant(&auth, &username, &permission).await,
                UserCommand::Revoke {
                    username,
                    permission,
                } => users::revoke(&auth, &username, &permission).await,
                UserCommand::VerifyEmail { username } => {
                    users::verify_email(&auth, &username).await
                }
            };
            finish(&auth, out).await
        }
        Command::Group(cmd) => {
            let auth = connect(settings).await?;
            let out = match cmd {
                GroupCommand::AddUser { group, username } => {
                    groups::add_user(&auth, &group, &username).await
                }
                GroupCommand::RemoveUser { group, username } => {
                    groups::remove_user(&auth, &group, &username).await
                }
                GroupCommand::Grant { group, permission } => {
                    groups::grant(&auth, &group, &permission).await
                }
                GroupCommand::Revoke { group, permission } => {
                    groups::revoke(&auth, &group, &permission).await
                }
            };
            finish(&auth, out).await
        }
        Command::Sendtestemail { addresses } => {
            let auth = connect(settings).await?;
            finish(&auth, mail::send_test(&auth, &addresses).await).await
        }
        Command::EjectTemplates { dir, force } => eject::run(&dir, force),
        Command::Oidc(OidcCommand::Urls) => oidc::urls(&settings),
        Command::Sessions(SessionsCommand::ClearExpired) => {
            let auth = connect(settings).await?;
            finish(&auth, sessions::clear_expired(&auth).await).await
        }
    }
}

/// Where the settings came from, for `check` to report.
pub enum SettingsSource {
    File(PathBuf),
    Defaults,
}

impl std::fmt::Display for SettingsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsSource::File(path) => write!(f, "{}", path.display()),
            SettingsSource::Defaults => f.write_str("built-in defaults"),
        }
    }
}

/// `--settings` / `PORTCULLIS_SETTINGS` (clap merges the two), else
/// `./settings.toml` when present, else defaults; env overrides apply to all.
fn load_settings(explicit: Option<&Path>) -> Result<(Settings, SettingsSource)> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_SETTINGS_FILE)).filter(|p| p.is_file()),
    };
    match path {
        Some(path) => Ok((Settings::load(&path)?, SettingsSource::File(path))),
        None => Ok((Settings::from_env()?, SettingsSource::Defaults)),
    }
}

/// Opens the database and hashing pool the way an app would (without
/// auto-migrate, PostgreSQL's default, a database that lacks migrations is
/// refused with "run `portcullis migrate`").
async fn connect(settings: Settings) -> Result<Auth> {
    Ok(Auth::connect(settings).await?)
}

/// Closes the pool before exit so SQLite checkpoints its WAL cleanly.
async fn finish(auth: &Auth, out: Result<String>) -> Result<String> {
    auth.db().close().await;
    out
}
