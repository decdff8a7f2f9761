//! Settings → Break-glass: emergency accounts and their keys (custody, witness, drills), and the
//! allow-list of key models. Ceremonies run in the browser; everything else is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::Timestamp;
use pim_core::break_glass::{AllowedModel, BreakGlassAccount, BreakGlassKey, KeyStatus};

use crate::api::break_glass::{
    AddAllowedModel, CreateBreakGlassAccount, break_glass, finish_drill, finish_key_enrollment,
    finish_witness, remove_allowed_model, start_drill, start_key_enrollment, start_witness,
};
use crate::components::notice::Outcome;
use crate::components::time::format_date;
use crate::components::webauthn::{create_credential, with_step_up};
use crate::pages::LoadError;

type Status = RwSignal<Option<Result<String, String>>>;

/// What the enrollment form holds for one account.
#[derive(Clone)]
struct Custody {
    label: String,
    location: String,
    custodian: String,
}

/// A ceremony or an action the page runs in the background, reporting its outcome.
#[derive(Clone)]
enum Job {
    Enroll { account: String, custody: Custody },
    Witness(String),
    Drill(String),
    RemoveModel(String),
}

async fn perform(job: Job) -> Result<String, String> {
    match job {
        Job::Enroll { account, custody } => {
            let ceremony = start_key_enrollment(account.clone())
                .await
                .map_err(|e| e.message)?;
            let credential = create_credential(ceremony.options_json).await?;
            let (label, location, custodian) = (custody.label, custody.location, custody.custodian);
            finish_key_enrollment(account, ceremony.id, label, location, custodian, credential)
                .await
                .map_err(|e| e.message)?;
            Ok("Key enrolled. A second administrator must now witness it.".into())
        }
        Job::Witness(key) => {
            let start = start_witness(key.clone());
            let start = async { start.await.map(Some) };
            with_step_up(start, |id, answer| finish_witness(key, id, answer)).await?;
            Ok("Enrollment witnessed: the key is ready.".into())
        }
        Job::Drill(key) => {
            let start = start_drill(key.clone());
            let start = async { start.await.map(Some) };
            with_step_up(start, |id, answer| finish_drill(key, id, answer)).await?;
            Ok("Drill recorded: the key works.".into())
        }
        Job::RemoveModel(id) => match remove_allowed_model(id).await.map_err(|e| e.message)? {
            0 => Ok("Model removed from the allow-list.".into()),
            n => Ok(format!(
                "Model removed; {n} key(s) no longer verify and were disabled."
            )),
        },
    }
}

#[component]
pub fn BreakGlassPage() -> impl IntoView {
    let create = ServerAction::<CreateBreakGlassAccount>::new();
    let add_model = ServerAction::<AddAllowedModel>::new();
    let changed = RwSignal::new(0u32);
    let status: Status = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let run = Callback::new(move |job: Job| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = perform(job).await;
            busy.set(false);
            changed.update(|n| *n += 1);
            status.set(Some(result));
        });
    });
    let view_data = crate::codec::resource(
        move || {
            (
                changed.get(),
                create.version().get(),
                add_model.version().get(),
            )
        },
        |_| break_glass(),
    );
    view! {
        <Title text="Break-glass · Settings · Stint" />
        <h1>"Break-glass"</h1>
        <p class="hint">
            "Emergency accounts hold Global Administrator permanently and sign in only with attested hardware keys, "
            "each kept in custody, witnessed at enrollment and drilled."
        </p>
        <Outcome status />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => view! {
                        {v.warnings.into_iter().map(|w| view! { <p class="notice error" role="alert">{w}</p> }).collect_view()}
                        <Accounts accounts=v.accounts can_manage=v.can_manage drill_days=v.drill_days now=v.now run busy />
                        <Models models=v.models can_manage=v.can_manage run busy />
                        {v.can_manage.then(|| view! { <NewAccount create /> <NewModel add_model /> })}
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Accounts(
    accounts: Vec<BreakGlassAccount>,
    can_manage: bool,
    drill_days: i64,
    now: Timestamp,
    run: Callback<Job>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    if accounts.is_empty() {
        return view! { <p class="empty">"No break-glass account yet."</p> }.into_any();
    }
    accounts
        .into_iter()
        .map(|account| {
            let heading = format!("{} · {}", account.display_name, account.email);
            let state = if account.active { "Active" } else { "Disabled" };
            let id = account.user_id.to_string();
            view! {
                <section class="panel" aria-label=account.display_name.clone()>
                    <h2>{heading}" "<span class="badge">{state}</span></h2>
                    <KeyTable keys=account.keys can_manage drill_days now run busy />
                    {(can_manage && account.active).then(|| view! { <EnrollForm account=id run busy /> })}
                </section>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn KeyTable(
    keys: Vec<BreakGlassKey>,
    can_manage: bool,
    drill_days: i64,
    now: Timestamp,
    run: Callback<Job>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="hint">"No key enrolled: this account cannot sign in."</p> }
            .into_any();
    }
    view! {
        <table class="list">
            <caption>"Keys, with their custody and last drill"</caption>
            <thead><tr>
                <th>"Key"</th><th>"Model"</th><th>"Stored at"</th><th>"Custodian"</th>
                <th>"Enrolled"</th><th>"Witnessed"</th><th>"Last drill"</th><th>"Status"</th><th>"Actions"</th>
            </tr></thead>
            <tbody>
                {keys.into_iter().map(|k| {
                    let status = k.status();
                    let overdue = k.drill_overdue(now, drill_days);
                    let id = k.passkey_id.to_string();
                    let witness_id = id.clone();
                    let last_drill = k.last_validated_at.map_or_else(|| "never".to_owned(), format_date);
                    let witnessed = k.witnessed_by.clone().zip(k.witnessed_at).map_or_else(
                        || "not yet".to_owned(),
                        |(who, at)| format!("{who}, {}", format_date(at)),
                    );
                    let reason = k.disabled_reason.clone().unwrap_or_default();
                    view! {
                        <tr>
                            <td>{k.label.clone()}</td>
                            <td>{k.model.clone()}<br /><code>{k.aaguid.clone()}</code></td>
                            <td>{k.location.clone()}</td>
                            <td>{k.custodian.clone()}</td>
                            <td>{format!("{}, {}", k.enrolled_by, format_date(k.enrolled_at))}</td>
                            <td>{witnessed}</td>
                            <td>
                                {last_drill}
                                {overdue.then(|| view! { " "<span class="badge tier-0">"Drill overdue"</span> })}
                            </td>
                            <td>
                                <span class="badge">{status.label()}</span>
                                {(!reason.is_empty()).then(|| view! { <br /><small>{reason}</small> })}
                            </td>
                            <td class="actions">
                                {(can_manage && status == KeyStatus::AwaitingWitness).then(|| view! {
                                    <button type="button" class="button" disabled=move || busy.get()
                                        on:click=move |_| run.run(Job::Witness(witness_id.clone()))>
                                        "Witness"
                                    </button>
                                })}
                                {(can_manage && status != KeyStatus::Disabled).then(|| view! {
                                    <button type="button" class="button secondary" disabled=move || busy.get()
                                        on:click=move |_| run.run(Job::Drill(id.clone()))>
                                        "Validate key"
                                    </button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn EnrollForm(account: String, run: Callback<Job>, busy: RwSignal<bool>) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let custodian = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let custody = Custody {
            label: label.get_untracked(),
            location: location.get_untracked(),
            custodian: custodian.get_untracked(),
        };
        run.run(Job::Enroll {
            account: account.clone(),
            custody,
        });
    };
    view! {
        <form class="form" on:submit=on_submit>
            <h3>"Enroll a hardware key"</h3>
            <label>"Key name "<input name="label" bind:value=label maxlength="64" required placeholder="e.g. Key A" /></label>
            <label>"Where it is stored "<input name="location" bind:value=location maxlength="200" required placeholder="e.g. Fire safe, head office" /></label>
            <label>"Custodian "<input name="custodian" bind:value=custodian maxlength="200" required placeholder="e.g. Head of IT operations" /></label>
            <button type="submit" class="button" disabled=move || busy.get()>"Enroll a hardware key"</button>
        </form>
    }
}

#[component]
fn Models(
    models: Vec<AllowedModel>,
    can_manage: bool,
    run: Callback<Job>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <h2>"Allowed key models"</h2>
        <p class="hint">
            "A break-glass key must prove its make and model: its attestation has to chain to one of these "
            "manufacturer CAs and name one of these AAGUIDs. Synced passkeys never qualify."
        </p>
        {if models.is_empty() {
            view! { <p class="empty">"No model allowed yet: no key can be enrolled."</p> }.into_any()
        } else {
            view! {
                <table class="list">
                    <thead><tr><th>"Model"</th><th>"AAGUID"</th><th>"CA (SHA-256)"</th><th>"Added"</th><th>"Actions"</th></tr></thead>
                    <tbody>
                        {models.into_iter().map(|m| {
                            let id = m.id.clone();
                            let short = m.ca_fingerprint.chars().take(16).collect::<String>() + "…";
                            view! {
                                <tr>
                                    <td>{m.description.clone()}</td>
                                    <td><code>{m.aaguid.clone()}</code></td>
                                    <td><code title=m.ca_fingerprint.clone()>{short}</code></td>
                                    <td>{format_date(m.added_at)}</td>
                                    <td>{can_manage.then(|| view! {
                                        <button type="button" class="button danger" disabled=move || busy.get()
                                            on:click=move |_| run.run(Job::RemoveModel(id.clone()))>
                                            "Remove"
                                        </button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

#[component]
fn NewAccount(create: ServerAction<CreateBreakGlassAccount>) -> impl IntoView {
    view! {
        <h2>"New break-glass account"</h2>
        {move || create.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice success" role="status">"Account created with permanent Global Administrator. Enroll two keys next."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <ActionForm action=create attr:class="panel form">
            <label>"Name "<input name="display_name" required placeholder="e.g. Emergency access 1" /></label>
            <label>"E-mail "<input name="email" type="email" required placeholder="e.g. breakglass1@example.org" /></label>
            <button type="submit" class="button">"Create account"</button>
        </ActionForm>
    }
}

#[component]
fn NewModel(add_model: ServerAction<AddAllowedModel>) -> impl IntoView {
    view! {
        <h2>"Allow a key model"</h2>
        {move || add_model.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice success" role="status">"Model allowed."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <ActionForm action=add_model attr:class="panel form">
            <label>"Description "<input name="description" required placeholder="e.g. YubiKey 5 NFC (firmware 5.7)" /></label>
            <label>"AAGUID "<input name="aaguid" required placeholder="xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" /></label>
            <label>"Manufacturer's attestation root CA (PEM) "<textarea name="ca_pem" rows="6" required></textarea></label>
            <button type="submit" class="button">"Allow this model"</button>
        </ActionForm>
    }
}
