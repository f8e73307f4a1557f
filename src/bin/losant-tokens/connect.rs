//! The client: where the access token comes from, which URL, which CAs.
//!
//! The token's source and the URL are kept so that a 401 can say which
//! token the server refused (its source, never the token) and where.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use losant_rest::{Client, Error};

use crate::cli::Global;
use crate::report::{Failure, clean};

/// `the access token from LOSANT_API_TOKEN_FILE (/run/secrets/losant) was
/// refused by https://api.losant.com`, once the client is built.
static REFUSED: OnceLock<String> = OnceLock::new();

/// What to add to a 401's message.
pub fn refused_hint() -> Option<&'static str> {
    REFUSED.get().map(String::as_str)
}

/// Builds the client from the command line and the environment.
pub fn client(global: &Global) -> Result<Client, Failure> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let (token, source) = if let Some(path) = &global.token_file {
        (read_token(path)?, format!("--token-file {}", show(path)))
    } else {
        match (var("LOSANT_API_TOKEN_FILE"), var("LOSANT_API_TOKEN")) {
            (Some(_), Some(_)) => {
                return Err(config(
                    "both LOSANT_API_TOKEN_FILE and LOSANT_API_TOKEN are set: unset one",
                ));
            }
            (Some(path), None) => {
                let path = PathBuf::from(path);
                (
                    read_token(&path)?,
                    format!("LOSANT_API_TOKEN_FILE ({})", show(&path)),
                )
            }
            (None, Some(token)) => (
                token
                    .into_string()
                    .map_err(|_| config("LOSANT_API_TOKEN is not valid UTF-8"))?,
                "LOSANT_API_TOKEN".to_owned(),
            ),
            (None, None) => {
                return Err(config(
                    "no access token: set LOSANT_API_TOKEN or LOSANT_API_TOKEN_FILE, or \
                     pass --token-file FILE",
                ));
            }
        }
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(config(&format!("the access token from {source} is empty")));
    }
    let mut builder = Client::builder().access_token(token);
    if let Some(url) = std::env::var("LOSANT_API_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        builder = builder.base_url(url);
    }
    let ca = global
        .ca_file
        .clone()
        .map(|path| (path, "--ca-file"))
        .or_else(|| var("LOSANT_CA_FILE").map(|p| (PathBuf::from(p), "LOSANT_CA_FILE")));
    if let Some((path, from)) = ca {
        let pem = std::fs::read(&path)
            .map_err(|e| config(&format!("cannot read {from} {}: {e}", show(&path))))?;
        builder = builder.add_root_certificates(pem);
    }
    let client = builder.build().map_err(Failure::Call)?;
    let _ = REFUSED.set(format!(
        "the access token from {source} was refused by {}",
        clean(client.base_url())
    ));
    Ok(client)
}

/// The most a token file is read: Losant's tokens are a few hundred bytes.
/// A wrong path (`/dev/zero`, a log, a disk image) is refused instead of
/// read to the end.
const MAX_TOKEN_FILE: u64 = 64 * 1024;

fn read_token(path: &Path) -> Result<String, Failure> {
    let cannot = |e: &dyn std::fmt::Display| {
        config(&format!("cannot read the token file {}: {e}", show(path)))
    };
    let file = std::fs::File::open(path).map_err(|e| cannot(&e))?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > MAX_TOKEN_FILE {
        return Err(cannot(&format!(
            "it is larger than {} KiB, too large to be an access token",
            MAX_TOKEN_FILE / 1024
        )));
    }
    // The error names the file, never its content.
    String::from_utf8(bytes).map_err(|_| cannot(&"it is not UTF-8 text"))
}

fn show(path: &Path) -> String {
    clean(&path.to_string_lossy())
}

/// A configuration problem: exit status 2, nothing sent.
fn config(message: &str) -> Failure {
    Failure::Usage(message.to_owned())
}

/// Whether an error is the server refusing the access token.
pub fn is_refused(e: &Error) -> bool {
    e.is_unauthorized()
}
