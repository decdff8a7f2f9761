//! My roles and My requests: the caller's own eligibilities, activations and requests.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use pim_core::Timestamp;
use pim_core::activation::Activation;
use pim_core::my_roles::MyRoles;
use serde::{Deserialize, Serialize};

use super::CeremonyView;
use super::fields::FormFields;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{client_ip, pim, principal, principal_and_session};
#[cfg(feature = "ssr")]
use pim_core::activation::ActivationForm;
#[cfg(feature = "ssr")]
use pim_core::{ActivationId, RoleId};
#[cfg(feature = "ssr")]
use pim_service::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRequestsView {
    pub requests: Vec<Activation>,
    pub now: Timestamp,
}

/// A started activation: its request id and, when the policy asks, the step-up to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationStartView {
    pub request_id: String,
    pub step_up: Option<CeremonyView>,
}

#[cfg(feature = "ssr")]
fn parse<T: std::str::FromStr<Err = pim_core::ParseError>>(text: &str) -> Result<T, AppError> {
    text.parse()
        .map_err(|e: pim_core::ParseError| ServiceError::from(e).into())
}

/// The activation form: duration in minutes, justification, ticket, optional start (Unix
/// seconds; empty or 0 = now).
#[cfg(feature = "ssr")]
fn activation_form(fields: &FormFields) -> Result<ActivationForm, AppError> {
    let minutes = fields
        .number("duration_minutes", "duration")
        .map_err(ServiceError::from)?;
    let start = fields.text("scheduled_start").trim();
    let scheduled_start = match start {
        "" | "0" => None,
        s => Some(Timestamp::from_unix(s.parse().map_err(|_| {
            ServiceError::from(pim_core::ParseError::Invalid {
                field: "start",
                reason: "is not a time",
            })
        })?)),
    };
    Ok(ActivationForm {
        duration_seconds: minutes.saturating_mul(60),
        justification: fields.text("justification").to_owned(),
        ticket_system: fields.text("ticket_system").to_owned(),
        ticket_number: fields.text("ticket_number").to_owned(),
        scheduled_start,
    })
}

/// **Permissions**: any signed-in person; only their own roles.
#[server(prefix = "/api", endpoint = "my/roles")]
pub async fn load_my_roles() -> Result<MyRoles, AppError> {
    let me = principal().await?;
    Ok(pim()?.my_roles(&me).await?)
}

/// **Permissions**: any signed-in person; only their own requests.
#[server(prefix = "/api", endpoint = "my/requests")]
pub async fn my_requests() -> Result<MyRequestsView, AppError> {
    let me = principal().await?;
    let (requests, now) = pim()?.my_requests(&me).await?;
    Ok(MyRequestsView { requests, now })
}

/// Checks an activation request and starts its step-up.
///
/// **Permissions**: any signed-in person, for roles they are eligible for (checked by the
/// service against the stored eligibility and policy, never the client's view).
#[server(prefix = "/api", endpoint = "my/activate/start", input = Json)]
pub async fn start_activation(
    role_id: String,
    fields: FormFields,
) -> Result<ActivationStartView, AppError> {
    let (me, session) = principal_and_session().await?;
    let role: RoleId = parse(&role_id)?;
    let form = activation_form(&fields)?;
    let binding = session.ceremony_binding().await?;
    let start = pim()?
        .begin_activation(&binding, &client_ip().await, &me, role, &form)
        .await?;
    Ok(ActivationStartView {
        request_id: start.request_id.to_string(),
        step_up: start.step_up.map(Into::into),
    })
}

/// Finishes an activation with the step-up bound to this request and form; returns the state
/// it reached (active, scheduled or waiting for approval).
///
/// **Permissions**: any signed-in person with a step-up for this very request.
#[server(prefix = "/api", endpoint = "my/activate/finish", input = Json)]
pub async fn finish_activation(
    role_id: String,
    request_id: String,
    fields: FormFields,
    ceremony_id: String,
    credential: String,
) -> Result<String, AppError> {
    let (me, session) = principal_and_session().await?;
    let role: RoleId = parse(&role_id)?;
    let request: ActivationId = parse(&request_id)?;
    let form = activation_form(&fields)?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential);
    let activation = pim()?
        .finish_activation(
            &binding,
            &client_ip().await,
            &me,
            role,
            request,
            &form,
            answer,
        )
        .await?;
    if answer.is_some() {
        session.cycle().await?;
    }
    Ok(activation.state.label().to_owned())
}

/// **Permissions**: any signed-in person, for their own activation.
#[server(prefix = "/api", endpoint = "my/deactivate")]
pub async fn deactivate(activation_id: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.deactivate(&me, parse(&activation_id)?).await?;
    Ok(())
}

/// **Permissions**: any signed-in person, for their own pending or scheduled request.
#[server(prefix = "/api", endpoint = "my/cancel")]
pub async fn cancel_request(activation_id: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.cancel_request(&me, parse(&activation_id)?).await?;
    Ok(())
}

/// **Permissions**: any signed-in person, for their own active activation.
#[server(prefix = "/api", endpoint = "my/extend/start", input = Json)]
pub async fn start_extension(
    activation_id: String,
    fields: FormFields,
) -> Result<Option<CeremonyView>, AppError> {
    let (me, session) = principal_and_session().await?;
    let minutes = fields
        .number("duration_minutes", "duration")
        .map_err(ServiceError::from)?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .begin_extension(
            &binding,
            &client_ip().await,
            &me,
            parse(&activation_id)?,
            minutes.saturating_mul(60),
            fields.text("justification"),
        )
        .await?;
    Ok(ceremony.map(Into::into))
}

/// **Permissions**: any signed-in person with a step-up for this extension.
#[server(prefix = "/api", endpoint = "my/extend/finish", input = Json)]
pub async fn finish_extension(
    activation_id: String,
    fields: FormFields,
    ceremony_id: String,
    credential: String,
) -> Result<(), AppError> {
    let (me, session) = principal_and_session().await?;
    let minutes = fields
        .number("duration_minutes", "duration")
        .map_err(ServiceError::from)?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential);
    pim()?
        .finish_extension(
            &binding,
            &client_ip().await,
            &me,
            parse(&activation_id)?,
            minutes.saturating_mul(60),
            fields.text("justification"),
            answer,
        )
        .await?;
    Ok(())
}
