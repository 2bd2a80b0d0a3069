//! The widget bundle (`/widget/<file>`, always served, long-cached) and, in `--demo` mode only,
//! the demo pages and `/demo/session`, which mints tokens for the seeded users.

use super::request::query_param;
use super::response::{full, json, Resp};
use super::AppState;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json as j;
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::identity::Identity;
use servihub_actors::protocol::{BusinessId, Role, UserId};

/// Seeded identities (see `seed`): the demo customer and agent of business 1.
pub const DEMO_CUSTOMER: i64 = 1001;
pub const DEMO_AGENT: i64 = 2001;
pub const DEMO_BUSINESS: i64 = 1;

pub async fn route(st: &AppState, req: Request<Incoming>, segs: &[&str]) -> ApiResult<Resp> {
    if req.method() != Method::GET {
        return Err(ApiError::not_found("no such route"));
    }
    match segs {
        ["widget", file] => {
            static_file(
                &st.config.widget_dir,
                "dist",
                file,
                "public, max-age=300, stale-while-revalidate=86400",
            )
            .await
        }
        ["demo", ..] if !st.config.demo => {
            Err(ApiError::not_found("the demo runs only with --demo"))
        }
        ["demo"] => static_file(&st.config.widget_dir, "demo", "index.html", "no-cache").await,
        ["demo", "customer"] => {
            static_file(&st.config.widget_dir, "demo", "customer.html", "no-cache").await
        }
        ["demo", "agent"] => {
            static_file(&st.config.widget_dir, "demo", "agent.html", "no-cache").await
        }
        ["demo", "session"] => session(st, &req),
        _ => Err(ApiError::not_found("no such route")),
    }
}

/// A fresh token for a seeded user (`?as=customer|agent`, optional `user` and `name` for a
/// second demo customer).
fn session(st: &AppState, req: &Request<Incoming>) -> ApiResult<Resp> {
    let who = match query_param(req, "as").as_deref() {
        Some("agent") => Identity {
            user_id: UserId(DEMO_AGENT),
            role: Role::Agent,
            business_id: Some(BusinessId(DEMO_BUSINESS)),
            name: Some("Alice".into()),
            expires_at: None,
        },
        Some("customer") | None => {
            let user = match query_param(req, "user") {
                Some(u) => u
                    .parse::<UserId>()
                    .ok()
                    .filter(|i| i.0 > 0 && i.0 < 1_000_000)
                    .ok_or_else(|| ApiError::bad_request("user must be a small id"))?,
                None => UserId(DEMO_CUSTOMER),
            };
            let name = query_param(req, "name")
                .map(|n| n.chars().take(40).collect())
                .unwrap_or_else(|| "Casey".to_string());
            Identity {
                user_id: user,
                role: Role::Customer,
                business_id: None,
                name: Some(name),
                expires_at: None,
            }
        }
        Some(_) => return Err(ApiError::bad_request("as must be customer or agent")),
    };
    let token = st
        .auth
        .mint(&who, 12 * 3600)
        .map_err(|_| ApiError::internal())?;
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:3000");
    Ok(json(
        StatusCode::OK,
        &j!({
            "token": token,
            "userId": who.user_id,
            "role": who.role,
            "businessId": BusinessId(DEMO_BUSINESS),
            "name": who.name,
            "apiUrl": format!("http://{host}"),
        }),
    ))
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("map" | "json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

async fn static_file(root: &str, dir: &str, file: &str, cache: &'static str) -> ApiResult<Resp> {
    let safe = !file.is_empty()
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !file.starts_with('.');
    if !safe {
        return Err(ApiError::not_found("no such file"));
    }
    let path = std::path::Path::new(root).join(dir).join(file);
    let bytes = tokio::fs::read(&path).await.map_err(|_| {
        ApiError::not_found(format!(
            "{dir}/{file} not found; build the widget (npm run build in widget/)"
        ))
    })?;
    let mut r = Response::new(full(bytes));
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(file)));
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(r)
}
