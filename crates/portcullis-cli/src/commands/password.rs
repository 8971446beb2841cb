//! Where a new password comes from: the terminal (asked twice) or, with
//! `--no-input`, the `PORTCULLIS_PASSWORD` environment variable.

use std::{
    env::{self, VarError},
    io::{self, IsTerminal},
};

use anyhow::{bail, Context, Result};

/// Environment variable read by `--no-input`.
pub const PASSWORD_ENV: &str = "PORTCULLIS_PASSWORD";

/// Returns the new password; the library's validators judge it afterwards.
pub fn read_new_password(no_input: bool) -> Result<String> {
    if no_input {
        return match env::var(PASSWORD_ENV) {
            Ok(p) if !p.is_empty() => Ok(p),
            Ok(_) | Err(VarError::NotPresent) => bail!("--no-input needs {PASSWORD_ENV}"),
            Err(VarError::NotUnicode(_)) => bail!("{PASSWORD_ENV} is not valid UTF-8"),
        };
    }
    // rpassword reads /dev/tty, so a script with no terminal would block or
    // fail obscurely; refuse up front and name the non-interactive way.
    if !io::stdin().is_terminal() {
        bail!("no terminal to ask for the password; use --no-input with {PASSWORD_ENV} set");
    }
    let first = rpassword::prompt_password("Password: ").context("while reading the password")?;
    let second =
        rpassword::prompt_password("Password (again): ").context("while reading the password")?;
    if first != second {
        bail!("the two passwords didn't match");
    }
    Ok(first)
}
