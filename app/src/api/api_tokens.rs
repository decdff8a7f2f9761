//! Settings → API tokens: credentials for applications that ask Stint who holds which role.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use pim_core::Timestamp;
use pim_core::api_token::ApiToken;
use serde::{Deserialize, Serialize};

use super::fields::FormFields;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};
#[cfg(feature = "ssr")]
use pim_service::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokensView {
    pub tokens: Vec<ApiToken>,
    /// (id, name) of every role, for a new token's scope and for naming scopes.
    pub roles: Vec<(String, String)>,
    pub can_manage: bool,
    pub now: Timestamp,
}

/// **Permissions**: Security Administrator or Global Administrator; auditors read it.
#[server(prefix = "/api", endpoint = "settings/api-tokens")]
pub async fn load_api_tokens() -> Result<ApiTokensView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let tokens = pim.api_tokens(&me).await?;
    let roles = pim
        .store()
        .list_roles()
        .await
        .map_err(ServiceError::from)?
        .into_iter()
        .map(|r| (r.info.id.to_string(), r.info.name))
        .collect();
    Ok(ApiTokensView {
        tokens,
        roles,
        can_manage: me.can(pim_core::role::Permission::ManageSecurity),
        now: pim.now(),
    })
}

/// Creates a token from the form (`name`, `days`, one `role` per ticked role) and returns
/// its text: the only time it is shown.
///
/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/api-tokens/create", input = Json)]
pub async fn create_api_token(fields: FormFields) -> Result<String, AppError> {
    let me = principal().await?;
    let form = pim_service::api_tokens::ApiTokenForm {
        name: fields.text("name").to_owned(),
        role_ids: fields
            .0
            .iter()
            .filter(|(n, _)| n == "role")
            .map(|(_, v)| v.clone())
            .collect(),
        days: fields
            .number("days", "valid for (days)")
            .map_err(ServiceError::from)?,
    };
    Ok(pim()?.create_api_token(&me, &form).await?.1)
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/api-tokens/revoke")]
pub async fn revoke_api_token(id: String) -> Result<(), AppError> {
    let me = principal().await?;
    let id = pim_core::ApiTokenId::parse(&id).map_err(ServiceError::from)?;
    pim()?.revoke_api_token(&me, id).await?;
    Ok(())
}
