//! `why` under faults, through the real binary: API servers that misbehave
//! (served by tiny servers in the test, on 127.0.0.1), proxies, exec
//! plugins that print without end or leave children behind, tokens no
//! HTTP header can carry, a token for a host EKS refuses, broken
//! kubeconfigs with `--all-contexts`, a closed stdout, and what is shown
//! of names from outside. Each test is named after what broke.

mod common;
use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Serves every connection on a thread with `answer`, after reading the
/// request head; returns the `http://` URL and the count of connections.
fn misbehaving(answer: fn(&mut TcpStream)) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut s = s;
                read_head(&mut s);
                answer(&mut s);
            });
        }
    });
    (url, count)
}

/// Reads up to the blank line that ends a request head.
fn read_head(s: &mut TcpStream) -> String {
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut head = String::new();
    let mut line = String::new();
    while r.read_line(&mut line).unwrap_or(0) > 0 {
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
        line.clear();
    }
    head
}

/// The sandbox's kubeconfig with `server` as its API server (plain http:
/// the CA is not used).
fn with_server(sim: &Sim, sb: &mut Sandbox, server: &str) {
    sb.kubeconfig(&Kubeconfig::eks(sim, Exec::eksauth(&TOKEN_ARGS)).server(server));
}

/// `why -o json --timeout SECS`, asserting it ends well within the
/// timeout; the exit status and report.
fn why_within(sb: &Sandbox, secs: u64, extra: &[&str]) -> (i32, Value) {
    let timeout = secs.to_string();
    let mut args = vec!["--timeout", timeout.as_str()];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let w = why_run(sb, &args, Duration::from_secs(secs + 10));
    assert!(
        started.elapsed() < Duration::from_secs(secs + 3),
        "why took {:?} with --timeout {secs}",
        started.elapsed()
    );
    (w.code, w.report)
}

/// Runs `why` against a server answering with `answer`; asserts
/// endpoint-bad-answer naming `what`, exit 1, and no "OK".
fn assert_bad_answer(answer: fn(&mut TcpStream), what: &str) {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (url, _) = misbehaving(answer);
    with_server(&sim, &mut sb, &url);
    let (code, v) = why_within(&sb, 5, &[]);
    let f = finding(&v, "endpoint-bad-answer", "error");
    let detail = f["detail"].as_str().unwrap();
    assert!(detail.contains(what), "{what} not in {detail}");
    assert_eq!(code, 1);
    let mut c = sb.eksauth(&["why", "--timeout", "5"]);
    c.env("NO_COLOR", "1");
    let text = run(c).stdout;
    assert!(!text.starts_with("OK"), "{text}");
    assert!(!text.contains("the API server answers"), "{text}");
}

#[test]
fn a_server_that_trickles_one_byte_a_second_is_a_bad_answer() {
    assert_bad_answer(
        |s| {
            for b in b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\r\n{}".iter() {
                if s.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        },
        "no answer within",
    );
}

#[test]
fn a_server_that_sends_random_bytes_is_a_bad_answer() {
    assert_bad_answer(
        |s| {
            let mut x: u32 = 0x9e37_79b9;
            let junk: Vec<u8> = (0..65536)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = s.write_all(&junk);
        },
        "HTTP",
    );
}

#[test]
fn a_server_that_sends_endless_headers_is_a_bad_answer() {
    assert_bad_answer(
        |s| {
            let _ = s.write_all(b"HTTP/1.1 201 Created\r\n");
            while s
                .write_all(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n")
                .is_ok()
            {}
        },
        "message",
    );
}

#[test]
fn a_server_that_redirects_is_a_bad_answer() {
    assert_bad_answer(
        |s| {
            let _ = s.write_all(
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://elsewhere.example/\r\nContent-Length: 0\r\n\r\n",
            );
        },
        "307",
    );
}

#[test]
fn a_server_that_answers_201_with_100_mb_is_a_bad_answer() {
    assert_bad_answer(
        |s| {
            let _ = s.write_all(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n",
            );
            let chunk = vec![b' '; 1 << 16];
            for _ in 0..1600 {
                if s.write_all(&chunk).is_err() {
                    return;
                }
            }
        },
        "larger than",
    );
}

#[test]
fn a_server_that_sends_an_endless_chunked_body_is_a_bad_answer() {
    assert_bad_answer(
        |s| {
            let _ = s.write_all(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n");
            let chunk = format!("1000\r\n{}\r\n", " ".repeat(0x1000));
            while s.write_all(chunk.as_bytes()).is_ok() {}
        },
        "larger than",
    );
}

#[test]
fn a_201_without_a_user_name_is_a_bad_answer_not_ok_with_an_empty_name() {
    assert_bad_answer(
        |s| {
            let body = r#"{"kind":"SelfSubjectReview","status":{"userInfo":{}}}"#;
            let _ = write!(
                s,
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        },
        "names a user",
    );
}

/// A closed port on 127.0.0.1.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The sandbox's kubeconfig with `proxy-url: URL` in its cluster entry.
fn with_proxy_url(sim: &Sim, sb: &mut Sandbox, url: &str) {
    sb.kubeconfig(&Kubeconfig::eks(sim, Exec::eksauth(&TOKEN_ARGS)).proxy_url(url));
}

#[test]
fn a_proxy_url_on_a_closed_port_is_unreachable_as_kubectl_is_refused() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let port = closed_port();
    with_proxy_url(&sim, &mut sb, &format!("http://127.0.0.1:{port}"));
    let (code, v) = why_within(&sb, 5, &[]);
    let f = finding(&v, "endpoint-unreachable", "error");
    assert!(f["detail"].as_str().unwrap().contains("the proxy"), "{f}");
    finding(&v, "proxy-configured", "info");
    assert_eq!(code, 1);
}

/// An HTTP CONNECT proxy on 127.0.0.1; returns its URL and the count of
/// tunnels it opened.
fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let tunnels = Arc::new(AtomicUsize::new(0));
    let seen = tunnels.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut client = s;
                let head = read_head(&mut client);
                let Some(target) = head
                    .strip_prefix("CONNECT ")
                    .and_then(|r| r.split_whitespace().next())
                else {
                    let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
                    return;
                };
                let Ok(server) = TcpStream::connect(target) else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut c2, &mut s2));
                let (mut c, mut s) = (client, server);
                let _ = std::io::copy(&mut s, &mut c);
            });
        }
    });
    (url, tunnels)
}

#[test]
fn a_working_proxy_url_is_probed_through_and_said_so() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (proxy, tunnels) = connect_proxy();
    with_proxy_url(&sim, &mut sb, &proxy);
    let (code, v) = why_within(&sb, 10, &[]);
    assert!(errors(&v).is_empty(), "{v}");
    finding(&v, "proxy-configured", "info");
    assert_eq!(code, 0);
    assert!(
        tunnels.load(Ordering::SeqCst) >= 1,
        "nothing went through the proxy"
    );
    let text = run(sb.eksauth(&["why", "--timeout", "10"])).stdout;
    assert!(
        text.contains(&format!(
            "the API server answers at {} through the proxy",
            sim.url("kube")
        )),
        "{text}"
    );
}

#[test]
fn https_proxy_with_no_proxy_exempting_the_server_goes_direct() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.set("HTTPS_PROXY", format!("http://127.0.0.1:{}", closed_port()))
        .set("NO_PROXY", "127.0.0.1");
    let (code, v) = why_within(&sb, 10, &[]);
    assert!(errors(&v).is_empty(), "{v}");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"proxy-configured"), "{codes:?}");
    assert_eq!(code, 0);
}

#[test]
fn a_token_with_a_newline_is_a_finding_not_a_panic() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let token = run(sb.eksauth(&TOKEN_ARGS)).token();
    let broken = format!("{}\n{}", &token[..40], &token[40..]);
    let (code, v) = why_within(&sb, 10, &["--token", &broken]);
    assert_eq!(code, 1, "{v}");
    assert!(!errors(&v).is_empty(), "{v}");
}

#[test]
fn an_exec_plugin_token_with_a_newline_is_a_finding_not_a_panic() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let plugin = sb.path("plugin.sh");
    script(
        &plugin,
        r#"printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"k8s-aws-v1.abc\\ndef"}}'"#,
    );
    exec_command(&sim, &mut sb, &plugin);
    let (code, v) = why_within(&sb, 10, &[]);
    assert_eq!(code, 1, "{v}");
    finding(&v, "token-format-invalid", "error");
}

/// Makes the current context's user run `program` (no args).
fn exec_command(sim: &Sim, sb: &mut Sandbox, program: &std::path::Path) {
    sb.kubeconfig(&Kubeconfig::eks(sim, Exec::new(program, &[])));
}

#[test]
fn an_exec_plugin_that_prints_without_end_is_stopped_at_a_small_cap() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let plugin = sb.path("plugin.sh");
    script(&plugin, "exec yes");
    exec_command(&sim, &mut sb, &plugin);
    let (code, v) = why_within(&sb, 10, &[]);
    let f = finding(&v, "exec-failed", "error");
    assert!(f.to_string().contains("more than"), "{f}");
    assert_eq!(code, 1);
}

#[test]
fn an_exec_plugin_grandchild_is_killed_when_the_budget_ends() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    let plugin = sb.path("plugin.sh");
    let pidfile = sb.path("grandchild.pid");
    script(
        &plugin,
        &format!("sleep 300 & echo $! > {}\nwait", pidfile.display()),
    );
    exec_command(&sim, &mut sb, &plugin);
    let (_, v) = why_within(&sb, 3, &[]);
    finding(&v, "exec-failed", "error");
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z "),
        "the plugin's child {} still runs: {stat}",
        pid.trim()
    );
}

#[test]
fn a_token_for_a_host_eks_refuses_is_never_sent_there() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let (url, contacted) = misbehaving(|_| {});
    let presigned = format!(
        "{url}/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fsts%2Faws4_request\
         &X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
         &X-Amz-Security-Token=SESSIONSECRET&X-Amz-Signature=abcdef"
    );
    let token = token_of_url(&presigned);
    let (code, v) = why_within(&sb, 10, &["--token", &token]);
    finding(&v, "token-sts-host-rejected", "error");
    assert_eq!(code, 1);
    assert_eq!(
        contacted.load(Ordering::SeqCst),
        0,
        "the presigned URL was sent"
    );
}

#[test]
fn all_contexts_on_a_missing_kubeconfig_is_an_error() {
    let sb = Sandbox::new();
    let missing = sb.path("nope");
    let r = run(sb.eksauth(&[
        "why",
        "--all-contexts",
        "-o",
        "json",
        "--kubeconfig",
        missing.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("kubeconfig-missing"), "{}", r.stdout);
}

#[test]
fn all_contexts_on_an_empty_or_broken_kubeconfig_is_an_error() {
    let sb = Sandbox::new();
    for (name, text) in [("empty", ""), ("broken", "apiVersion: v1\nclusters: [\n")] {
        let p = sb.write(name, text);
        let r = run(sb.eksauth(&[
            "why",
            "--all-contexts",
            "-o",
            "json",
            "--kubeconfig",
            p.to_str().unwrap(),
        ]));
        assert_eq!(r.code, 1, "{name}: {}", r.stdout);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["schema"], "eksauth.why-all/v1");
        assert!(
            !v["reports"].as_array().unwrap().is_empty(),
            "{name}: an empty report"
        );
    }
}

#[test]
fn admin_context_that_does_not_exist_is_an_error() {
    let sim = world(|t| t);
    let sb = Sandbox::eks(&sim, ADMIN_KEY);
    let r = run(sb.eksauth(&["why", "--admin-context", "nosuch"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("nosuch") && r.stderr.contains("no context"),
        "{}",
        r.stderr
    );
}

#[test]
fn why_into_a_closed_pipe_exits_0_quietly() {
    let sb = Sandbox::new();
    let p = sb.write("empty", "");
    let mut c = sb.eksauth(&["why", "--kubeconfig", p.to_str().unwrap()]);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    c.stdout(writer).stderr(std::process::Stdio::piped());
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_context_name_with_escape_and_nul_is_printed_escaped() {
    let sim = world(|t| t);
    let mut sb = Sandbox::eks(&sim, ADMIN_KEY);
    sb.kubeconfig(
        &Kubeconfig::eks(&sim, Exec::eksauth(&TOKEN_ARGS)).current("evil\u{1b}[31mred\0"),
    );
    let mut c = sb.eksauth(&["why", "--timeout", "5"]);
    c.env("NO_COLOR", "1");
    let r = run(c);
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stdout.contains('\0'),
        "{:?}",
        r.stdout
    );
    assert!(r.stdout.contains("evil\\x1b[31mred\\x00"), "{}", r.stdout);
}

#[test]
fn every_command_into_a_closed_pipe_exits_0_without_a_panic() {
    let sb = Sandbox::new();
    let empty = sb.write("empty", "");
    for args in [
        vec!["completion", "bash"],
        vec!["completion", "zsh"],
        vec!["cache", "list"],
        vec![
            "why",
            "--all-contexts",
            "--kubeconfig",
            empty.to_str().unwrap(),
        ],
        vec!["--help"],
    ] {
        let mut c = sb.eksauth(&args);
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        c.stdout(writer).stderr(std::process::Stdio::piped());
        let o = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_parse_error_next_to_a_secret_does_not_show_it() {
    let sb = Sandbox::new();
    let kc = sb.write(
        "kc",
        "apiVersion: v1\nusers:\n- name: u\n  user:\n    password: Hunter2Hunter2pw\n    token: [unclosed\n",
    );
    let auth = sb.write(
        "aws-auth.yaml",
        "data:\n  aws_secret_access_key: wJalrXUtnFEMIzzzzSECRET\n  mapRoles: [\n",
    );
    for format in ["json", "text"] {
        let r = run(sb.eksauth(&[
            "why",
            "-o",
            format,
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--aws-auth-file",
            auth.to_str().unwrap(),
        ]));
        for secret in ["Hunter2Hunter2pw", "wJalrXUtnFEMIzzzzSECRET"] {
            assert!(
                !r.stdout.contains(secret) && !r.stderr.contains(secret),
                "{format} shows {secret}:\n{}\n{}",
                r.stdout,
                r.stderr
            );
        }
    }
}
