//! The HTTP layer in front of jsonrpsee: it tags each request with its transport (HTTP or a
//! WebSocket upgrade) for the RPC metrics, and answers HTTP 413 for an oversized request sent
//! without a `Content-Length` (chunked).
//!
//! jsonrpsee answers an oversized request with 413 when its `Content-Length` says so, but a
//! chunked body that runs over the limit surfaces as a stream error and gets a 500 "Internal
//! error". This layer reads such bodies itself, up to the limit, and answers 413 with
//! jsonrpsee's own JSON error (-32007 "Request is too big") when they exceed it; the body it
//! passes on has a known length. Requests with a `Content-Length` go through untouched.

use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use jsonrpsee::server::{http::response, HttpBody, HttpRequest, HttpResponse};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How a call arrived (the `protocol` label of the RPC metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// A plain HTTP POST.
    Http,
    /// A WebSocket session.
    Ws,
}

impl Transport {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Ws => "ws",
        }
    }
}

/// The layer: `max` is the server's request limit in bytes.
#[derive(Clone, Copy)]
pub(crate) struct HttpLayer {
    pub(crate) max: u32,
}

impl<S> tower::Layer<S> for HttpLayer {
    type Service = HttpService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpService { inner, max: self.max }
    }
}

/// The service the layer makes.
#[derive(Clone)]
pub(crate) struct HttpService<S> {
    inner: S,
    max: u32,
}

impl<S, B> tower::Service<HttpRequest<B>> for HttpService<S>
where
    S: tower::Service<HttpRequest<HttpBody>, Response = HttpResponse> + Clone + Send + 'static,
    S::Future: Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<HttpResponse, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: HttpRequest<B>) -> Self::Future {
        let transport = if request.headers().contains_key(http::header::UPGRADE) {
            Transport::Ws
        } else {
            Transport::Http
        };
        request.extensions_mut().insert(transport);
        let sized = request.headers().contains_key(http::header::CONTENT_LENGTH);
        if sized || request.method() != http::Method::POST {
            return Box::pin(self.inner.call(request.map(HttpBody::new)));
        }
        // The clone is ready only if polled; keep the polled one for this call (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let max = self.max;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            match Limited::new(body, max as usize).collect().await {
                Ok(collected) => {
                    let body = collected.to_bytes();
                    inner
                        .call(HttpRequest::from_parts(
                            parts,
                            HttpBody::new(http_body_util::Full::new(body)),
                        ))
                        .await
                }
                Err(error) if error.is::<LengthLimitError>() => Ok(response::too_large(max)),
                Err(_) => Ok(response::malformed()),
            }
        })
    }
}
