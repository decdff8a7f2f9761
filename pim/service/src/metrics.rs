//! Figures for a monitoring system: read with an API token, like the authorisation API.

use pim_store::audit_streams::AuditStreamRow;
use pim_store::metrics::WorkflowFigures;

use crate::api_tokens::ApiClient;
use crate::{Pim, ServiceError};

impl Pim {
    /// The workflow's totals and backlogs now. The client is proof that a valid API token
    /// was presented.
    pub async fn workflow_figures(
        &self,
        _client: &ApiClient,
    ) -> Result<WorkflowFigures, ServiceError> {
        Ok(self.store().workflow_figures(self.now()).await?)
    }

    /// Each audit stream's cursor and health, for the SIEM-lag series.
    pub async fn audit_stream_figures(
        &self,
        _client: &ApiClient,
    ) -> Result<Vec<AuditStreamRow>, ServiceError> {
        Ok(self.store().audit_streams().await?)
    }
}
