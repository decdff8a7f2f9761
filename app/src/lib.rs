//! Stint's portal: pages, components and the server functions behind them.
// `deny`, not `forbid`: the lazy routes' generated chunk-loading glue is allowed in `routes`.
#![deny(unsafe_code)]

pub mod api;
pub mod codec;
pub mod components;
pub mod error;
pub mod pages;
mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::api::me::current_user;
use crate::components::nav::Nav;
use crate::pages::not_found::NotFoundPage;
use crate::routes::*;

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = crate::codec::resource(|| (), |_| current_user());
    view! {
        <Stylesheet id="leptos" href="/pkg/stint.css" />
        <Title text="Stint" />
        <Router>
            <Transition fallback=|| view! { <nav class="nav" aria-label="Main"><a class="brand" href="/">"Stint"</a></nav> }>
                {move || Suspend::new(async move {
                    let me = me.await.ok().flatten();
                    view! { <Nav me /> }
                })}
            </Transition>
            <main id="main">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} />
                    <Route path=path!("/signin") view={Lazy::<SignInRoute>::new()} />
                    <Route path=path!("/emergency") view={Lazy::<EmergencyRoute>::new()} />
                    <Route path=path!("/enroll/:token") view={Lazy::<EnrollRoute>::new()} />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} />
                    // Rendered whole before sending: the busiest page, and complete without JS.
                    <Route path=path!("/roles") view={Lazy::<MyRolesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/roles/:id/activate") view={Lazy::<ActivateRoute>::new()} />
                    <Route path=path!("/requests") view={Lazy::<MyRequestsRoute>::new()} />
                    <Route path=path!("/approvals") view={Lazy::<ApprovalsRoute>::new()} />
                    <Route path=path!("/approvals/:id") view={Lazy::<ApprovalDetailRoute>::new()} />
                    <Route path=path!("/reviews") view={Lazy::<ReviewsRoute>::new()} />
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} />
                    <Route path=path!("/audit/mine") view={Lazy::<MyAuditRoute>::new()} />
                    <Route path=path!("/audit/streams") view={Lazy::<AuditStreamsRoute>::new()} />
                    <Route path=path!("/insights") view={Lazy::<InsightsRoute>::new()} />
                    <Route path=path!("/insights/alerts") view={Lazy::<AlertsRoute>::new()} />
                    <Route path=path!("/settings/roles") view={Lazy::<RolesRoute>::new()} />
                    <Route path=path!("/settings/roles/:id") view={Lazy::<RolePolicyRoute>::new()} />
                    <Route path=path!("/settings/assignments") view={Lazy::<AssignmentsRoute>::new()} />
                    <Route path=path!("/settings/assignments/:id/extend") view={Lazy::<ExtendAssignmentRoute>::new()} />
                    <Route path=path!("/settings/reviews") view={Lazy::<ReviewSettingsRoute>::new()} />
                    <Route path=path!("/settings/users") view={Lazy::<UsersRoute>::new()} />
                    <Route path=path!("/settings/notifications") view={Lazy::<NotificationsRoute>::new()} />
                    <Route path=path!("/settings/break-glass") view={Lazy::<BreakGlassRoute>::new()} />
                    <Route path=path!("/settings/connectors") view={Lazy::<ConnectorsRoute>::new()} />
                    <Route path=path!("/settings/api-tokens") view={Lazy::<ApiTokensRoute>::new()} />
                    <Route path=path!("/settings/users/:id") view={Lazy::<UserEditRoute>::new()} />
                </Routes>
            </main>
        </Router>
    }
}
