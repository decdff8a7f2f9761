//! Forms whose fields travel as name/value pairs (the browser's `FormData`), so that a step-up
//! can be started and finished with exactly the same content.

use serde::{Deserialize, Serialize};

/// The fields of a submitted form, in order. A checkbox is present only when ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFields(pub Vec<(String, String)>);

#[cfg(feature = "ssr")]
impl FormFields {
    pub fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// A whole number; `field` names it in the error.
    pub fn number(&self, name: &str, field: &'static str) -> Result<i64, pim_core::ParseError> {
        self.text(name)
            .trim()
            .parse()
            .map_err(|_| pim_core::ParseError::Invalid {
                field,
                reason: "must be a whole number",
            })
    }

    /// Non-empty lines of a text area.
    pub fn lines(&self, name: &str) -> impl Iterator<Item = &str> {
        self.text(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
    }
}

/// Reads every field of the submitted form (only in the browser).
#[must_use]
pub fn from_submit(ev: &leptos::ev::SubmitEvent) -> FormFields {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
        let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) else {
            return FormFields::default();
        };
        let mut fields = Vec::new();
        if let Ok(Some(iter)) = js_sys::try_iter(&data) {
            for entry in iter.flatten() {
                let pair: js_sys::Array = entry.unchecked_into();
                if let (Some(name), Some(value)) =
                    (pair.get(0).as_string(), pair.get(1).as_string())
                {
                    fields.push((name, value));
                }
            }
        }
        FormFields(fields)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        FormFields::default()
    }
}
