//! Figures for a monitoring system: read with an API token, like the authorisation API.

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
}
