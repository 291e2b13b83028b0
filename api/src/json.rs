//! Request extractors that fail into `ApiError`: JSON bodies (shape errors answer 400, an
//! oversized body 413), ids in paths (a malformed id answers 404, as for an unknown one) and the
//! client's address for rate limiting.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// A JSON body of type `T`; types reject unknown fields with `deny_unknown_fields`.
#[derive(Debug)]
pub(crate) struct Body<T>(pub(crate) T);

/// A JSON body of type `T` with the bytes it was read from, for fingerprinting idempotent
/// requests; fails like [`Body`].
#[derive(Debug)]
pub(crate) struct BodyWithBytes<T>(pub(crate) T, pub(crate) Bytes);

/// An id taken from the path, parsed with its type's `FromStr`.
#[derive(Debug)]
pub(crate) struct PathId<T>(pub(crate) T);

/// The client's address; unknown (0.0.0.0) when the router runs without connection info, as in
/// tests through `oneshot`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientIp(pub(crate) IpAddr);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

impl<S, T> FromRequest<S> for BodyWithBytes<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::BadRequest {
                code: "expected_json",
                message: "expected a body with content-type application/json".to_owned(),
            });
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge
                } else {
                    ApiError::BadRequest {
                        code: "malformed_json",
                        message: rejection.body_text(),
                    }
                }
            })?;
        let Json(value) = Json::<T>::from_bytes(&bytes)?;
        Ok(Self(value, bytes))
    }
}

impl<S, T> FromRequestParts<S> for PathId<T>
where
    S: Send + Sync,
    T: std::str::FromStr,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        raw.parse().map(Self).map_err(|_| ApiError::NotFound)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(Self(ip))
    }
}

/// Deserializes a field that is present (possibly `null`) as `Some(value)`; a missing field
/// stays `None` through `#[serde(default)]`.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Whether the request says its body is JSON (`application/json` or a `+json` type), as
/// axum's `Json` decides.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(essence) = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
    else {
        return false;
    };
    let essence = essence.trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}
