//! The loopback redirect listener of the browser login (RFC 8252 7.3): a
//! listener on 127.0.0.1 with a port the system picks, waiting for the
//! browser's `GET /oauth/callback?code=..&state=..` (or `error=..`).
//!
//! Every wait is bounded: the whole login by the caller's timeout, each
//! connection's request by a few seconds and a few kilobytes, so a stray
//! or hostile local client can neither stall nor exhaust it. Other paths
//! (a browser's favicon request) get a 404 and the wait goes on.

use anyhow::{Context, Result, bail};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The callback path the AWS CLI registers.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// A browser sends its request at once; a client that does not is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// A request head larger than this is not a browser's redirect.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// What the browser brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `code` and `state`.
    Code { code: String, state: String },
    /// `error` (and `error_description`), with `state` if any.
    Error { error: String, state: String },
}

/// The bound listener and its redirect URIs.
pub struct Listener {
    inner: TcpListener,
    port: u16,
}

impl Listener {
    /// Binds 127.0.0.1 on a port the system picks.
    pub async fn bind() -> Result<Listener> {
        let inner = TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("could not listen on 127.0.0.1 for the browser's redirect")?;
        let port = inner.local_addr()?.port();
        Ok(Listener { inner, port })
    }

    /// `http://127.0.0.1:PORT/oauth/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits up to `limit` for the browser's redirect.
    pub async fn wait(&self, limit: Duration) -> Result<Answer> {
        match tokio::time::timeout(limit, self.accept_until_answer()).await {
            Ok(r) => r,
            Err(_) => bail!(
                "no answer from the browser within {} minutes",
                limit.as_secs() / 60
            ),
        }
    }

    async fn accept_until_answer(&self) -> Result<Answer> {
        loop {
            let (stream, _) = self
                .inner
                .accept()
                .await
                .context("could not accept the browser's connection")?;
            if let Ok(Some(answer)) = tokio::time::timeout(REQUEST_TIMEOUT, serve_one(stream)).await
            {
                return Ok(answer);
            }
        }
    }
}

/// Reads one request; answers it; returns the callback's parameters.
async fn serve_one(mut stream: TcpStream) -> Option<Answer> {
    let head = read_head(&mut stream).await?;
    let target = head
        .lines()
        .next()?
        .strip_prefix("GET ")?
        .split(' ')
        .next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        let _ = respond(&mut stream, "404 Not Found", "Not found.").await;
        return None;
    }
    let answer = parse_query(query)?;
    let text = match &answer {
        Answer::Code { .. } => {
            "kubectl-eksauth received the login. You can close this window and return to the terminal."
        }
        Answer::Error { .. } => "The login was not approved. Return to the terminal for details.",
    };
    let _ = respond(&mut stream, "200 OK", text).await;
    Some(answer)
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_REQUEST_BYTES {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

async fn respond(stream: &mut TcpStream, status: &str, text: &str) -> std::io::Result<()> {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>kubectl-eksauth</title></head><body><p>{text}</p></body></html>"
    );
    let msg = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(msg.as_bytes()).await?;
    stream.shutdown().await
}

/// The callback's query: `code` and `state`, or `error`.
pub fn parse_query(query: &str) -> Option<Answer> {
    let mut code = None;
    let mut state = String::new();
    let mut error = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => state = v.into_owned(),
            "error" => error = Some(v.into_owned()),
            _ => {}
        }
    }
    match (error, code) {
        (Some(error), _) => Some(Answer::Error { error, state }),
        (None, Some(code)) => Some(Answer::Code { code, state }),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_query_cases() {
        assert_eq!(
            parse_query("code=abc&state=s%2D1"),
            Some(Answer::Code {
                code: "abc".into(),
                state: "s-1".into()
            })
        );
        assert_eq!(
            parse_query("error=access_denied&state=s"),
            Some(Answer::Error {
                error: "access_denied".into(),
                state: "s".into()
            })
        );
        assert_eq!(parse_query("state=s"), None, "neither code nor error");
    }

    #[test]
    fn the_listener_answers_other_paths_404_and_returns_the_callback() {
        let rt = crate::rt::runtime().unwrap();
        rt.block_on(async {
            let l = Listener::bind().await.unwrap();
            let addr = l.redirect_uri();
            let port = addr
                .split(':')
                .nth(2)
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_string();
            let browser = tokio::spawn(async move {
                let get = |path: &'static str| {
                    let port = port.clone();
                    async move {
                        let mut s = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap()))
                            .await
                            .unwrap();
                        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                            .await
                            .unwrap();
                        let mut out = String::new();
                        s.read_to_string(&mut out).await.unwrap();
                        out
                    }
                };
                let a = get("/favicon.ico").await;
                let b = get("/oauth/callback?code=c1&state=st").await;
                (a, b)
            });
            let answer = l.wait(Duration::from_secs(10)).await.unwrap();
            let (a, b) = browser.await.unwrap();
            assert!(a.starts_with("HTTP/1.1 404"), "{a}");
            assert!(b.starts_with("HTTP/1.1 200"), "{b}");
            assert_eq!(
                answer,
                Answer::Code {
                    code: "c1".into(),
                    state: "st".into()
                }
            );
        });
    }

    #[test]
    fn waiting_ends_at_the_limit() {
        let rt = crate::rt::runtime().unwrap();
        let e = rt
            .block_on(async {
                let l = Listener::bind().await.unwrap();
                l.wait(Duration::from_millis(50)).await
            })
            .unwrap_err();
        assert!(e.to_string().contains("no answer from the browser"), "{e}");
    }
}
