//! Business hours in the configured IANA time zone, for the after-hours detection rule. The
//! time-zone database is bundled (jiff), so rules do not depend on the host's zoneinfo.

use jiff::tz::TimeZone;
use pim_core::detection::{LocalRequest, RequestFacts};

use crate::ServiceError;
use crate::review_form::invalid;

pub(crate) const TIME_ZONE_FIELD: &str = "Business hours time zone";

pub(crate) fn time_zone(name: &str) -> Result<TimeZone, ServiceError> {
    TimeZone::get(name.trim()).map_err(|_| {
        invalid(
            TIME_ZONE_FIELD,
            "must be an IANA name such as Europe/Berlin or UTC",
        )
    })
}

/// Each request's weekday and hour where the business is.
pub(crate) fn localise(requests: &[RequestFacts], tz: &TimeZone, name: &str) -> Vec<LocalRequest> {
    requests
        .iter()
        .filter_map(|r| {
            let local = jiff::Timestamp::from_second(r.requested_at.unix())
                .ok()?
                .to_zoned_datetime(tz.clone());
            Some(LocalRequest {
                person: r.person.clone(),
                role: r.role.clone(),
                weekday: u8::try_from(local.weekday().to_monday_one_offset()).ok()?,
                hour: i64::from(local.hour()),
                local_text: format!("{} {name}", local.strftime("%a %Y-%m-%d %H:%M")),
                date: local.strftime("%Y-%m-%d").to_string(),
            })
        })
        .collect()
}
