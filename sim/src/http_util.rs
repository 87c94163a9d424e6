//! HTTP plumbing shared by every simulated service: the accept loop (plain or
//! TLS), one hyper HTTP/1.1 connection per client, the `Date` header from the
//! simulator's clock, and the one-line request log on stderr (method, path,
//! status, reason; never a query string, header or body, which may hold
//! secrets).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, DATE, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::timefmt;
use crate::world::World;

/// Requests to these services are a few kilobytes; 1 MiB bounds memory
/// without refusing anything a real client sends.
const MAX_BODY_BYTES: usize = 1 << 20;

/// A boxed future, for handler function pointers.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A service's request handler.
pub type Handler = fn(Arc<World>, Request<Incoming>) -> BoxFuture<Reply>;

/// A response plus the reason logged with it.
pub struct Reply {
    /// The response to send.
    pub response: Response<Full<Bytes>>,
    /// One-line reason for the log (never a secret).
    pub reason: String,
}

impl Reply {
    /// A response with a body of `content_type`.
    pub fn new(
        status: u16,
        content_type: &str,
        body: impl Into<Bytes>,
        reason: impl Into<String>,
    ) -> Reply {
        let mut response = Response::new(Full::new(body.into()));
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Ok(v) = HeaderValue::from_str(content_type) {
            response.headers_mut().insert(CONTENT_TYPE, v);
        }
        Reply {
            response,
            reason: reason.into(),
        }
    }

    /// Add a header (ignored if the value is not a valid header value).
    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.response
                .headers_mut()
                .insert(HeaderName::from_static(name), v);
        }
        self
    }
}

/// Read a whole request body, up to [`MAX_BODY_BYTES`].
pub async fn read_body(body: Incoming) -> Option<Bytes> {
    Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .ok()
        .map(|c| c.to_bytes())
}

/// Headers as (lowercase name, value) pairs in arrival order; values that
/// are not visible ASCII are skipped.
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

/// Accept connections forever, each served on its own task.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    service: &'static str,
    world: Arc<World>,
    handler: Handler,
) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, peer))
                if service.starts_with("kube")
                    && !world.cluster.endpoint_access.admits(peer.ip()) =>
            {
                eprintln!(
                    "eks-sim {service}: {peer} is outside the VPC and not in publicAccessCidrs: left unanswered"
                );
                tokio::spawn(hold(stream));
                continue;
            }
            Ok((stream, _)) => stream,
            Err(err) => {
                eprintln!("eks-sim {service}: accept failed: {err}");
                continue;
            }
        };
        let (world, tls) = (world.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => serve_connection(TokioIo::new(stream), service, world, handler).await,
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(s) => serve_connection(TokioIo::new(s), service, world, handler).await,
                    Err(err) => eprintln!("eks-sim {service}: TLS handshake failed: {err}"),
                },
            }
        });
    }
}

/// Keeps a connection open and unanswered until the client gives up, as
/// a firewall that drops packets looks to it.
async fn hold(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
}

async fn serve_connection<I>(io: I, service: &'static str, world: Arc<World>, handler: Handler)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| {
        let world = world.clone();
        async move { Ok::<_, Infallible>(respond(service, world, handler, req).await) }
    });
    // A client closing its connection is normal; nothing to report.
    let _ = http1::Builder::new().serve_connection(io, svc).await;
}

async fn respond(
    service: &'static str,
    world: Arc<World>,
    handler: Handler,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let Reply {
        mut response,
        reason,
    } = handler(world.clone(), req).await;
    if let Ok(date) = HeaderValue::from_str(&timefmt::http_date(world.clock.now())) {
        response.headers_mut().insert(DATE, date);
    }
    eprintln!(
        "eks-sim {service} {method} {path} {} {reason}",
        response.status().as_u16()
    );
    response
}
