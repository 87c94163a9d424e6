//! Opening an address in the user's browser, never through a shell: the
//! address is one argument of one program, so no character in it can be
//! taken as a command (Windows' `cmd /c start` would read `&` and `|`).
//! `BROWSER` wins where set; then macOS `open`, Windows' URL handler
//! (`rundll32 url.dll,FileProtocolHandler`), and `xdg-open` on a Unix
//! desktop (one with `DISPLAY` or `WAYLAND_DISPLAY`). Only `http` and
//! `https` addresses are opened: the handler would run a local file.

use super::OsKind;
use crate::aws::Env;
use std::process::{Command, Stdio};

/// The program and arguments that open `url` on `kind`, or None when
/// there is no browser to open (no desktop, or not a web address).
pub fn browser_command(
    kind: OsKind,
    browser_var: Option<&str>,
    has_display: bool,
    url: &str,
) -> Option<(String, Vec<String>)> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return None;
    }
    let url = url.to_string();
    if let Some(b) = browser_var.filter(|b| !b.trim().is_empty()) {
        return Some((b.to_string(), vec![url]));
    }
    match kind {
        OsKind::MacOs => Some(("open".into(), vec![url])),
        OsKind::Windows => Some((
            "rundll32".into(),
            vec!["url.dll,FileProtocolHandler".into(), url],
        )),
        OsKind::Unix if has_display => Some(("xdg-open".into(), vec![url])),
        OsKind::Unix => None,
    }
}

/// Opens `url` in a browser when this session has one; never waits for
/// it. Returns whether a browser was started.
pub fn open_browser(url: &str, env: &Env) -> bool {
    let has_display = env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some();
    let browser = env.get("BROWSER");
    let Some((program, args)) =
        browser_command(OsKind::current(), browser.as_deref(), has_display, url)
    else {
        return false;
    };
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://device.sso.us-east-1.amazonaws.com/?user_code=AB&x=1|calc";

    fn cmd(program: &str, args: &[&str]) -> Option<(String, Vec<String>)> {
        Some((
            program.to_string(),
            args.iter().map(|a| a.to_string()).collect(),
        ))
    }

    #[test]
    fn windows_opens_through_the_url_handler_with_the_address_as_one_argument() {
        assert_eq!(
            browser_command(OsKind::Windows, None, false, URL),
            cmd("rundll32", &["url.dll,FileProtocolHandler", URL])
        );
    }

    #[test]
    fn macos_uses_open_and_linux_xdg_open_only_on_a_desktop() {
        assert_eq!(
            browser_command(OsKind::MacOs, None, false, URL),
            cmd("open", &[URL])
        );
        assert_eq!(
            browser_command(OsKind::Unix, None, true, URL),
            cmd("xdg-open", &[URL])
        );
        assert_eq!(browser_command(OsKind::Unix, None, false, URL), None);
    }

    #[test]
    fn the_browser_variable_wins_on_every_os() {
        for kind in [OsKind::Unix, OsKind::MacOs, OsKind::Windows] {
            assert_eq!(
                browser_command(kind, Some("firefox"), false, URL),
                cmd("firefox", &[URL]),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn only_web_addresses_are_opened() {
        for bad in [r"C:\Windows\System32\calc.exe", "file:///etc/passwd", "-x"] {
            assert_eq!(browser_command(OsKind::Windows, None, true, bad), None);
            assert_eq!(
                browser_command(OsKind::Unix, Some("firefox"), true, bad),
                None
            );
        }
    }
}
