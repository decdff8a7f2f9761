//! Settings → Assignments.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use pim_core::Timestamp;
use pim_core::assignment::Assignment;
use pim_core::policy::AssignmentRules;
use serde::{Deserialize, Serialize};

use super::CeremonyView;
use super::fields::FormFields;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{client_ip, pim, principal, principal_and_session};
#[cfg(feature = "ssr")]
use pim_core::assignment::AssignmentKind;
#[cfg(feature = "ssr")]
use pim_service::ServiceError;
#[cfg(feature = "ssr")]
use pim_service::assignments::AssignForm;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentsView {
    pub assignments: Vec<Assignment>,
    pub has_more: bool,
    pub now: Timestamp,
}

/// One assignment with what its role allows for a new end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionView {
    pub assignment: Assignment,
    pub rules: AssignmentRules,
    pub now: Timestamp,
}

#[cfg(feature = "ssr")]
fn bad(field: &'static str, reason: &'static str) -> AppError {
    ServiceError::from(pim_core::ParseError::Invalid { field, reason }).into()
}

/// The end of the chosen day (UTC), from a date input's "YYYY-MM-DD".
#[cfg(feature = "ssr")]
fn end_of_day(text: &str) -> Result<Timestamp, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date =
        time::Date::parse(text.trim(), &format).map_err(|_| bad("end date", "must be a date"))?;
    let next = date
        .next_day()
        .ok_or_else(|| bad("end date", "is too far ahead"))?;
    Ok(Timestamp::from_unix(
        next.midnight().assume_utc().unix_timestamp(),
    ))
}

/// The end the form asks for: the chosen last day, or `None` when "permanent" is ticked.
#[cfg(feature = "ssr")]
fn chosen_end(fields: &FormFields) -> Result<Option<Timestamp>, AppError> {
    if fields.flag("permanent") {
        Ok(None)
    } else if fields.text("end_date").trim().is_empty() {
        Err(bad(
            "end date",
            "is required unless the assignment is permanent",
        ))
    } else {
        Ok(Some(end_of_day(fields.text("end_date"))?))
    }
}

#[cfg(feature = "ssr")]
fn assign_form(fields: &FormFields) -> Result<AssignForm, AppError> {
    let role_id = pim_core::RoleId::parse(fields.text("role_id")).map_err(ServiceError::from)?;
    let kind = AssignmentKind::from_code(fields.text("kind")).map_err(ServiceError::from)?;
    let ends_at = chosen_end(fields)?;
    Ok(AssignForm {
        user_email: fields.text("user_email").to_owned(),
        role_id,
        kind,
        starts_at: None,
        ends_at,
        justification: fields.text("justification").to_owned(),
    })
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "assignments/list")]
pub async fn list_assignments(
    role_id: String,
    kind: String,
    page: i64,
) -> Result<AssignmentsView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    let filter = pim_store_filter(&role_id, &kind)?;
    let (assignments, has_more) = pim.list_assignments(&admin, &filter, page).await?;
    Ok(AssignmentsView {
        assignments,
        has_more,
        now: pim.now(),
    })
}

#[cfg(feature = "ssr")]
fn pim_store_filter(
    role_id: &str,
    kind: &str,
) -> Result<pim_service::assignments::AssignmentFilter, AppError> {
    Ok(pim_service::assignments::AssignmentFilter {
        role: (!role_id.is_empty())
            .then(|| pim_core::RoleId::parse(role_id))
            .transpose()
            .map_err(ServiceError::from)?,
        kind: (!kind.is_empty())
            .then(|| AssignmentKind::from_code(kind))
            .transpose()
            .map_err(ServiceError::from)?,
        ..Default::default()
    })
}

/// Checks an assignment and starts the step-up the role's policy asks for (`None` = none).
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "assignments/add/start", input = Json)]
pub async fn start_assign(fields: FormFields) -> Result<Option<CeremonyView>, AppError> {
    let (me, session) = principal_and_session().await?;
    let form = assign_form(&fields)?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .begin_assign(&binding, &client_ip().await, &me, &form)
        .await?;
    Ok(ceremony.map(Into::into))
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator, with a
/// step-up for this exact assignment where the policy asks for one.
#[server(prefix = "/api", endpoint = "assignments/add/finish", input = Json)]
pub async fn finish_assign(
    fields: FormFields,
    ceremony_id: String,
    credential: String,
) -> Result<String, AppError> {
    let (me, session) = principal_and_session().await?;
    let form = assign_form(&fields)?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential);
    let outcome = pim()?.finish_assign(&binding, &me, &form, answer).await?;
    Ok(super::edit_message(&outcome, "Assignment added."))
}

/// Removes an assignment, ending its activations and cancelling its pending requests.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "assignments/remove")]
pub async fn remove_assignment(assignment_id: String, reason: String) -> Result<(), AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    let id = pim_core::AssignmentId::parse(&assignment_id).map_err(ServiceError::from)?;
    pim.remove_assignment(&admin, id, &reason).await?;
    Ok(())
}

/// Turns every permanent active assignment outside break-glass into an eligibility.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "assignments/convert-permanent")]
pub async fn convert_permanent() -> Result<usize, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    Ok(pim.convert_permanent_active(&admin).await?)
}

/// Checks a new end for an assignment and starts the step-up the policy asks for.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "assignments/extend/start", input = Json)]
pub async fn start_extend_assignment(
    assignment_id: String,
    fields: FormFields,
) -> Result<Option<CeremonyView>, AppError> {
    let (me, session) = principal_and_session().await?;
    let id = pim_core::AssignmentId::parse(&assignment_id).map_err(ServiceError::from)?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .begin_extend_assignment(
            &binding,
            &client_ip().await,
            &me,
            id,
            chosen_end(&fields)?,
            fields.text("justification"),
        )
        .await?;
    Ok(ceremony.map(Into::into))
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator, with a
/// step-up for this exact extension where the policy asks for one.
#[server(prefix = "/api", endpoint = "assignments/extend/finish", input = Json)]
pub async fn finish_extend_assignment(
    assignment_id: String,
    fields: FormFields,
    ceremony_id: String,
    credential: String,
) -> Result<String, AppError> {
    let (me, session) = principal_and_session().await?;
    let id = pim_core::AssignmentId::parse(&assignment_id).map_err(ServiceError::from)?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential);
    let outcome = pim()?
        .finish_extend_assignment(
            &binding,
            &me,
            id,
            chosen_end(&fields)?,
            fields.text("justification"),
            answer,
        )
        .await?;
    Ok(super::edit_message(&outcome, "Assignment extended."))
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "assignments/one")]
pub async fn get_assignment(assignment_id: String) -> Result<ExtensionView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    let id = pim_core::AssignmentId::parse(&assignment_id).map_err(ServiceError::from)?;
    let (assignment, rules) = pim.assignment_for_extension(&admin, id).await?;
    Ok(ExtensionView {
        assignment,
        rules,
        now: pim.now(),
    })
}
