//! Asking the user for an MFA code: on the terminal itself (`/dev/tty` on
//! Unix, the console on Windows), never on stdout, which carries the
//! ExecCredential kubectl reads. Whether asking is allowed at all is the
//! caller's decision ([`MfaPrompt`]); this module only asks, bounded in
//! time and in the length of the answer.

use std::time::Duration;

/// The prompt, as the issue words it (the AWS CLI says "Enter MFA code for ARN: ").
pub const PROMPT: &str = "MFA code for";
/// How long the user has to type the code: a TOTP code changes every 30 s,
/// so two minutes is several codes' worth.
pub const MFA_WAIT: Duration = Duration::from_secs(120);
/// An answer longer than this is not a code.
const MAX_ANSWER: u64 = 64;

/// Whether a code may be asked for, and if not, why (said in the error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaPrompt {
    /// Ask on the terminal, if there is one.
    Terminal,
    /// Never ask; the reason ends up in the `mfa-required` message.
    Never(&'static str),
}

/// Asks "MFA code for SERIAL: " on the terminal and returns the six digits.
pub async fn ask(serial: &str) -> Result<String, String> {
    let serial = serial.to_string();
    let read = tokio::task::spawn_blocking(move || ask_blocking(&serial));
    match tokio::time::timeout(MFA_WAIT, read).await {
        Ok(Ok(r)) => r.and_then(|code| check_code(&code)),
        Ok(Err(e)) => Err(format!("reading the code failed: {e}")),
        Err(_) => Err(format!("no code was typed within {}s", MFA_WAIT.as_secs())),
    }
}

/// A TOTP code as STS takes it: six digits.
pub fn check_code(answer: &str) -> Result<String, String> {
    let code = answer.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_string())
    } else {
        Err("the MFA code must be the six digits your device shows".into())
    }
}

#[cfg(unix)]
fn ask_blocking(serial: &str) -> Result<String, String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| format!("there is no terminal to ask on (/dev/tty: {e})"))?;
    let out = tty
        .try_clone()
        .map_err(|e| format!("could not use the terminal: {e}"))?;
    prompt_and_read(out, tty, serial)
}

#[cfg(windows)]
fn ask_blocking(serial: &str) -> Result<String, String> {
    let open = |name: &str, write: bool| {
        std::fs::OpenOptions::new()
            .read(!write)
            .write(write)
            .open(name)
            .map_err(|e| format!("there is no console to ask on ({name}: {e})"))
    };
    prompt_and_read(open("CONOUT$", true)?, open("CONIN$", false)?, serial)
}

#[cfg(not(any(unix, windows)))]
fn ask_blocking(_serial: &str) -> Result<String, String> {
    Err("this platform has no terminal to ask on".into())
}

#[cfg(any(unix, windows))]
fn prompt_and_read(
    mut out: impl std::io::Write,
    input: impl std::io::Read,
    serial: &str,
) -> Result<String, String> {
    use std::io::BufRead;
    write!(out, "{PROMPT} {serial}: ")
        .and_then(|()| out.flush())
        .map_err(|e| format!("could not write to the terminal: {e}"))?;
    let mut line = String::new();
    std::io::BufReader::new(input.take(MAX_ANSWER))
        .read_line(&mut line)
        .map_err(|e| format!("could not read the terminal: {e}"))?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_digits_are_a_code() {
        assert_eq!(check_code(" 123456\n").as_deref(), Ok("123456"));
        for bad in ["", "12345", "1234567", "12a456", "123 456"] {
            assert!(check_code(bad).is_err(), "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_prompt_names_the_serial_and_the_answer_is_bounded() {
        let mut shown = Vec::new();
        let long = "1".repeat(1000);
        let got = prompt_and_read(&mut shown, long.as_bytes(), "arn:aws:iam::1:mfa/a").unwrap();
        assert_eq!(
            String::from_utf8(shown).unwrap(),
            "MFA code for arn:aws:iam::1:mfa/a: "
        );
        assert_eq!(
            got.len() as u64,
            MAX_ANSWER,
            "read no further than the bound"
        );
    }
}
