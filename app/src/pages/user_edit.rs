use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::users::{InviteUser, SetUserStatus, UpdateUser, get_user};
use crate::pages::LoadError;
use crate::pages::users::Invitation;

/// Edit one user: details, disable or enable, and a new invitation link.
#[component]
pub fn UserEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateUser>::new();
    let status = ServerAction::<SetUserStatus>::new();
    let invite = ServerAction::<InviteUser>::new();
    let user = crate::codec::resource(
        move || (id(), update.version().get(), status.version().get()),
        |(id, _, _)| get_user(id),
    );
    view! {
        <Title text="Edit user · Stint" />
        <p><a href="/settings/users">"← Users"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(detail) => {
                        let u = detail.user;
                        let disabled = !u.is_active();
                        view! {
                            <h1>{u.display_name.clone()}</h1>
                            <p>"Status: " <strong>{u.status.code()}</strong></p>
                            <ActionForm action=update attr:class="panel">
                                <input type="hidden" name="id" value=u.id.to_string() />
                                <label for="display_name">"Display name"</label>
                                <input id="display_name" name="display_name" value=u.display_name.clone() required maxlength="100" />
                                <label for="email">"E-mail"</label>
                                <input id="email" name="email" type="email" value=u.email.clone() required maxlength="254" />
                                <label for="manager_email">"Manager's e-mail (optional)"</label>
                                <input id="manager_email" name="manager_email" type="email" value=detail.manager_email.unwrap_or_default() maxlength="254" />
                                <button type="submit" class="button">"Save"</button>
                            </ActionForm>
                            <div class="panel">
                                <ActionForm action=status attr:class="inline">
                                    <input type="hidden" name="id" value=u.id.to_string() />
                                    <input type="hidden" name="disabled" value=(!disabled).to_string() />
                                    <button type="submit" class=if disabled { "button" } else { "button danger" }>
                                        {if disabled { "Enable user" } else { "Disable user and end their sessions" }}
                                    </button>
                                </ActionForm>
                                <ActionForm action=invite attr:class="inline">
                                    <input type="hidden" name="id" value=u.id.to_string() />
                                    <button type="submit" class="button secondary" disabled=disabled>"Create a new enrollment link"</button>
                                </ActionForm>
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        {move || update.value().get().and_then(Result::err).map(|e| view! { <p class="notice error" role="alert">{e.message}</p> })}
        {move || status.value().get().and_then(Result::err).map(|e| view! { <p class="notice error" role="alert">{e.message}</p> })}
        {move || invite.value().get().map(|r| match r {
            Ok(inv) => view! { <Invitation name=inv.display_name url=inv.enrollment_url /> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
    }
}
