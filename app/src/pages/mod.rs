pub mod account;
pub mod activate;
pub mod alerts;
pub mod api_tokens;
pub mod approvals;
pub mod assignment_extend;
pub mod assignments;
pub mod audit;
pub mod audit_streams;
pub mod break_glass;
pub mod connectors;
pub mod emergency;
pub mod enroll;
pub mod home;
pub mod insights;
pub mod my_requests;
pub mod my_roles;
pub mod not_found;
pub mod notifications;
pub mod review_new;
pub mod review_settings;
pub mod reviews;
pub mod role_policy;
pub mod roles;
pub mod sign_in;
pub mod user_edit;
pub mod users;

use leptos::prelude::*;

use crate::error::{AppError, ErrorKind};

/// What a page shows when its data could not be loaded: a sign-in prompt for an ended session,
/// otherwise the error's own words.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    if error.kind == ErrorKind::Unauthenticated {
        return view! {
            <div class="notice">
                <p>"You are not signed in, or your session has ended."</p>
                <p><a href="/signin">"Sign in with your passkey"</a></p>
            </div>
        }
        .into_any();
    }
    view! { <div class="notice error" role="alert"><p>{error.message}</p></div> }.into_any()
}
