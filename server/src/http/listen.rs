//! The accept loop of `onshi serve`: HTTP/1.1 connections with limits, so idle, half-sent or
//! slowly sent requests cannot pile up (issue 15).
//!
//! - At most [`Limits::max_connections`] connections at once: past that the loop stops
//!   accepting (new ones wait in the kernel's backlog) instead of running out of file
//!   descriptors and memory.
//! - Headers: a connection that has not sent a whole request head within
//!   [`Limits::header_timeout`] — nothing at all, half a header, or an idle keep-alive
//!   connection between requests — is closed (hyper's `header_read_timeout`).
//! - Bodies: closed when no byte arrives for [`Limits::body_idle_timeout`], and when the whole
//!   body has not arrived within [`Limits::body_deadline`] (a byte now and then is not enough).
//!   The handler sees a body error, answered 4xx, and the connection is closed.
//! - A request head is at most [`MAX_HEAD_BYTES`].
//!
//! A failed `accept` (file descriptors exhausted by something else) is logged once a second
//! at most and retried after a pause, never in a busy loop.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;
use tower_http::timeout::{RequestBodyDeadlineLayer, RequestBodyTimeoutLayer};

/// The largest request head (request line and headers) read, in bytes.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_idle_timeout: Duration,
    pub body_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            // A 64 MiB 健診 file over a slow LGWAN line still fits.
            body_deadline: Duration::from_secs(600),
        }
    }
}

/// Serve `router` on `listener` until `shutdown` completes; then stop accepting and give the
/// open connections up to `header_timeout` to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let app = tower::ServiceBuilder::new()
        .layer(RequestBodyDeadlineLayer::new(limits.body_deadline))
        .layer(RequestBodyTimeoutLayer::new(limits.body_idle_timeout))
        .service(router);
    let max = u32::try_from(limits.max_connections.clamp(1, 1 << 20)).unwrap_or(1 << 20);
    let slots = Arc::new(Semaphore::new(max as usize));
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_accept_error: Option<Instant> = None;
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if last_accept_error.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                        tracing::warn!(error = %e, "accept failed; retrying");
                        last_accept_error = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    app.clone().oneshot(request)
                });
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(MAX_HEAD_BYTES)
                .keep_alive(true);
            // A closed or timed-out connection is the client's business, not an error to log.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.header_timeout, slots.acquire_many(max)).await;
}
