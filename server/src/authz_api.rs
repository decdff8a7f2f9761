//! The authorisation API for applications that ask Stint directly, with an API token from
//! Settings → API tokens (`Authorization: Bearer stint_…`):
//!
//! * `GET /api/v1/users/{email}/active-roles`: the roles the person holds now that the token
//!   may see, each with its activation id (none for an active assignment) and end.
//! * `GET /api/v1/users/{email}/roles/{role_id}`: whether the person holds that role now.
//!
//! Answers are JSON and never cached; instants are Unix seconds. 401 for a missing, unknown,
//! revoked or expired token; 403 for a role outside the token's scope; 404 for an unknown
//! person. Every refusal is in the audit log with its reason.

use app::ssr::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pim_core::RoleId;
use pim_core::principal::ActiveRole;
use pim_service::ServiceError;
use pim_service::api_tokens::ApiClient;
use serde_json::{Value, json};

pub async fn active_roles(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(email): Path<String>,
) -> Response {
    let pim = &state.pim;
    let answer = async {
        let client = client(&state, &headers).await?;
        let roles = pim.api_active_roles(&client, &email).await?;
        Ok(json!({
            "user": email,
            "at": pim.now().unix(),
            "roles": roles.iter().map(role_json).collect::<Vec<_>>(),
        }))
    };
    respond(answer.await)
}

pub async fn role_check(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((email, role)): Path<(String, String)>,
) -> Response {
    let pim = &state.pim;
    let answer = async {
        let client = client(&state, &headers).await?;
        let role = RoleId::parse(&role)?;
        let held = pim.api_holds_role(&client, &email, role).await?;
        Ok(json!({
            "user": email,
            "role_id": role,
            "at": pim.now().unix(),
            "active": held.is_some(),
            "activation_id": held.as_ref().and_then(|r| r.activation_id),
            "ends_at": held.as_ref().and_then(|r| r.ends_at).map(|t| t.unix()),
        }))
    };
    respond(answer.await)
}

pub(crate) async fn client(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<ApiClient, ServiceError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
        });
    state.pim.api_client(bearer).await
}

fn role_json(r: &ActiveRole) -> Value {
    json!({
        "role_id": r.role_id,
        "role": r.name,
        "activation_id": r.activation_id,
        "ends_at": r.ends_at.map(|t| t.unix()),
    })
}

fn respond(answer: Result<Value, ServiceError>) -> Response {
    let (status, body) = match answer {
        Ok(body) => (StatusCode::OK, body),
        Err(err) => {
            let status = match &err {
                ServiceError::Unauthenticated => StatusCode::UNAUTHORIZED,
                ServiceError::Forbidden => StatusCode::FORBIDDEN,
                ServiceError::NotFound => StatusCode::NOT_FOUND,
                ServiceError::InvalidInput(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let message = match &err {
                ServiceError::Unauthenticated => "a valid API token is required".to_owned(),
                ServiceError::Forbidden => "this token may not ask about this role".to_owned(),
                ServiceError::NotFound => "nobody in Stint has this e-mail address".to_owned(),
                ServiceError::InvalidInput(e) => e.to_string(),
                other => {
                    tracing::error!(error = %other, "authorisation API failed");
                    "Stint could not answer; try again".to_owned()
                }
            };
            (status, json!({ "error": message }))
        }
    };
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"stint\""),
        );
    }
    response
}
