//! `rotate --exec CMD`: hand a new secret to the command that deploys it.

use std::io::{self, Write};
use std::process::{Command, Stdio};

/// Runs `sh -c command` with `secret` and a newline on its standard input,
/// the new and old token IDs in `LOSANT_NEW_TOKEN_ID` and
/// `LOSANT_OLD_TOKEN_ID`, and its standard output sent to our stderr (our
/// stdout is for data only). The secret never goes on a command line or in
/// the environment. `Ok` only when the command exits 0.
///
/// The command does not get `LOSANT_API_TOKEN`: a deploy command is often
/// another vendor's tool (`gh`, `vault`, `kubectl`) that has no use for the
/// access token that can manage every token, and CI logs often show a
/// command's environment. One that needs to call Losant can be given a
/// token file (`LOSANT_API_TOKEN_FILE`, a path and not a secret, is passed
/// on).
pub fn run(command: &str, secret: &str, new_id: &str, old_id: &str) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("LOSANT_NEW_TOKEN_ID", new_id)
        .env("LOSANT_OLD_TOKEN_ID", old_id)
        .env_remove("LOSANT_API_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::from(io::stderr()))
        .spawn()
        .map_err(|e| format!("cannot run the deploy command through `sh -c`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that exits without reading its input closes the pipe;
        // its exit status decides, not the write.
        match writeln!(stdin, "{secret}").and_then(|()| stdin.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot hand the secret to the deploy command: {e}"));
            }
        }
    } // Dropped here: the command sees the end of its input.
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for the deploy command: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the deploy command failed ({status})"))
    }
}
