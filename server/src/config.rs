//! Configuration: built-in defaults, then an optional TOML file (`STINT_CONFIG`, or `stint.toml`
//! in the working directory), then `STINT_*` environment variables. Every value is checked
//! here, so a typo stops start-up with a message instead of misbehaving later.

use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

#[derive(Debug, Deserialize)]
pub struct Settings {
    /// Where people reach Stint; also the WebAuthn origin and relying-party id.
    pub public_url: Url,
    pub listen: SocketAddr,
    /// `sqlite://…` or `postgres://…`; empty means a SQLite file in the data directory.
    pub database_url: String,
    pub data_dir: PathBuf,
    /// The compiled site (`pkg/` with the WASM and CSS).
    pub site_root: PathBuf,
    /// Key of the audit hash chain; empty means a key file in the data directory.
    pub audit_key: SecretString,
    pub enrollment_link_hours: i64,
    pub bootstrap_admin_hours: i64,
    /// How often the background job records expiries and starts scheduled activations.
    pub due_work_seconds: u64,
    /// How often the audit chain's head is written to `audit-checkpoints.jsonl` in the data
    /// directory (when it moved).
    pub audit_checkpoint_seconds: u64,
    /// How often each connector's downstream members are listed for drift and new
    /// alert findings are announced.
    pub drift_check_seconds: u64,
    /// A syslog receiver (RFC 5424) that gets every audit event: `tls://host:port` over TLS
    /// (RFC 5425), `host:port` or `tcp://host:port` over plain TCP; empty for none.
    #[serde(default)]
    pub audit_syslog: String,
    /// A PEM file of CA certificates trusted, besides the public roots, for the TLS syslog
    /// receiver (SIEM collectors often have a private CA's certificate).
    #[serde(default)]
    pub audit_syslog_ca: Option<PathBuf>,
    /// What each syslog message carries after its header: `json` (structured data and the
    /// event as JSON) or `cef` (a CEF line, for Sentinel's CEF connector and ArcSight).
    #[serde(default)]
    pub audit_syslog_format: String,
    /// An HTTP(S) endpoint that gets every audit event as JSON lines; empty for none. Plain
    /// http only to this machine.
    #[serde(default)]
    pub audit_http_url: String,
    /// Bearer token sent to `audit_http_url`.
    #[serde(default)]
    pub audit_http_token: Option<SecretString>,
    /// A header carrying the client address (e.g. `X-Forwarded-For`), believed only when the
    /// direct peer is one of `trusted_proxies`.
    pub trusted_proxy_header: String,
    /// Comma-separated networks of the reverse proxies in front of Stint.
    pub trusted_proxies: String,
    /// Debug builds only: expose `POST /__test/clock/advance` for end-to-end tests.
    pub test_clock: bool,
    pub log: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Source(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("STINT_CONFIG").unwrap_or_else(|_| "stint.toml".into());
        let settings: Settings = config::Config::builder()
            .set_default("public_url", "http://localhost:3000")?
            .set_default("listen", "127.0.0.1:3000")?
            .set_default("database_url", "")?
            .set_default("data_dir", "data")?
            .set_default("site_root", "target/site")?
            .set_default("audit_key", "")?
            .set_default("enrollment_link_hours", 24)?
            .set_default("bootstrap_admin_hours", 24)?
            .set_default("due_work_seconds", 15)?
            .set_default("audit_checkpoint_seconds", 300)?
            .set_default("drift_check_seconds", 300)?
            .set_default("trusted_proxy_header", "")?
            .set_default("trusted_proxies", "")?
            .set_default("test_clock", false)?
            .set_default("log", "info")?
            .add_source(
                config::File::with_name(&file).required(std::env::var("STINT_CONFIG").is_ok()),
            )
            .add_source(config::Environment::with_prefix("STINT").try_parsing(true))
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if !matches!(self.public_url.scheme(), "http" | "https")
            || self.public_url.host_str().is_none()
        {
            return invalid(format!(
                "STINT_PUBLIC_URL must be an http(s) URL with a host, not {}",
                self.public_url
            ));
        }
        if self.public_url.scheme() == "http" && self.public_url.host_str() != Some("localhost") {
            return invalid(format!(
                "STINT_PUBLIC_URL {} uses plain http; browsers allow passkeys over http only on localhost",
                self.public_url
            ));
        }
        if self.public_url.path() != "/" {
            return invalid("STINT_PUBLIC_URL must not have a path".into());
        }
        if !(1..=24 * 14).contains(&self.enrollment_link_hours) {
            return invalid("STINT_ENROLLMENT_LINK_HOURS must be between 1 and 336".into());
        }
        if !(1..=72).contains(&self.bootstrap_admin_hours) {
            return invalid("STINT_BOOTSTRAP_ADMIN_HOURS must be between 1 and 72".into());
        }
        if !(1..=86_400).contains(&self.audit_checkpoint_seconds) {
            return invalid("STINT_AUDIT_CHECKPOINT_SECONDS must be between 1 and 86400".into());
        }
        if !(10..=86_400).contains(&self.drift_check_seconds) {
            return invalid("STINT_DRIFT_CHECK_SECONDS must be between 10 and 86400".into());
        }
        if !(1..=86_400).contains(&self.due_work_seconds) {
            return invalid("STINT_DUE_WORK_SECONDS must be between 1 and 86400".into());
        }
        self.validate_audit_streams()
            .map_err(ConfigError::Invalid)?;
        if let Err(bad) = self.proxy_networks() {
            return invalid(format!(
                "STINT_TRUSTED_PROXIES: {bad} is not a network like 10.0.0.0/8"
            ));
        }
        if !self.trusted_proxy_header.is_empty()
            && http::HeaderName::try_from(self.trusted_proxy_header.as_str()).is_err()
        {
            return invalid("STINT_TRUSTED_PROXY_HEADER is not a valid header name".into());
        }
        if !self.database_url.is_empty()
            && !self.database_url.starts_with("sqlite:")
            && !self.database_url.starts_with("postgres://")
            && !self.database_url.starts_with("postgresql://")
        {
            return invalid(
                "STINT_DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into(),
            );
        }
        Ok(())
    }

    fn validate_audit_streams(&self) -> Result<(), String> {
        for target in self.audit_streams()? {
            if let pim_notify::audit_stream::Target::Syslog { tls: Some(tls), .. } = target {
                pim_notify::audit_stream::tls_connector(&tls)
                    .map_err(|e| format!("STINT_AUDIT_SYSLOG_CA: {e}"))?;
            }
        }
        if !self.audit_http_url.is_empty() {
            let url = Url::parse(&self.audit_http_url)
                .map_err(|e| format!("STINT_AUDIT_HTTP_URL is not a URL: {e}"))?;
            let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            match url.scheme() {
                "https" => {}
                "http" if local => {}
                "http" => {
                    return Err(
                        "STINT_AUDIT_HTTP_URL uses plain http to another machine; audit events \
                         go out over https only"
                            .into(),
                    );
                }
                other => return Err(format!("STINT_AUDIT_HTTP_URL: {other} is not http(s)")),
            }
        }
        Ok(())
    }

    /// The configured audit streams to SIEMs (reading the syslog CA file), or what is wrong
    /// with them.
    pub fn audit_streams(&self) -> Result<Vec<pim_notify::audit_stream::Target>, String> {
        use pim_notify::audit_stream::{SyslogTls, Target};
        use secrecy::ExposeSecret;
        let mut streams = Vec::new();
        let syslog = syslog_address(&self.audit_syslog)?;
        if self.audit_syslog_ca.is_some() && !matches!(syslog, Some((_, true))) {
            return Err("STINT_AUDIT_SYSLOG_CA is set but STINT_AUDIT_SYSLOG is not tls://".into());
        }
        let format = syslog_format(&self.audit_syslog_format)?;
        if let Some((address, secured)) = syslog {
            let ca_pem = (self.audit_syslog_ca.as_ref())
                .map(|path| {
                    std::fs::read_to_string(path).map_err(|e| {
                        format!(
                            "STINT_AUDIT_SYSLOG_CA {} cannot be read: {e}",
                            path.display()
                        )
                    })
                })
                .transpose()?;
            streams.push(Target::Syslog {
                address: address.to_owned(),
                hostname: self.public_url.host_str().unwrap_or("stint").to_owned(),
                tls: secured.then_some(SyslogTls { ca_pem }),
                format,
            });
        }
        if !self.audit_http_url.is_empty() {
            let token = (self.audit_http_token.as_ref())
                .map(|t| t.expose_secret().to_owned())
                .filter(|t| !t.is_empty());
            streams.push(Target::Http {
                url: self.audit_http_url.clone(),
                token,
            });
        }
        Ok(streams)
    }

    /// The trusted proxies as networks; a bare address counts as a single host.
    pub fn proxy_networks(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| s.to_owned())
            })
            .collect()
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("stint.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// Cookies are `Secure` and `__Host-` prefixed unless Stint is served over plain http on
    /// localhost, where browsers would drop a secure cookie.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

/// `tls://host:port`, `tcp://host:port` or `host:port` as the address and whether it is
/// TLS; `None` when empty.
fn syslog_address(text: &str) -> Result<Option<(&str, bool)>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let (address, tls) = match text.split_once("://") {
        Some(("tls", address)) => (address, true),
        Some(("tcp", address)) => (address, false),
        Some((other, _)) => {
            return Err(format!(
                "STINT_AUDIT_SYSLOG: {other}:// is neither tls:// nor tcp://"
            ));
        }
        None => (text, false),
    };
    let port = (address.rsplit_once(':'))
        .filter(|(host, _)| !host.is_empty())
        .and_then(|(_, port)| port.parse::<u16>().ok());
    if port.is_none_or(|p| p == 0) {
        return Err(format!(
            "STINT_AUDIT_SYSLOG must be tls://host:port or host:port, like \
             tls://siem.example.org:6514, not {text}"
        ));
    }
    Ok(Some((address, tls)))
}

/// `json` (the default) or `cef`.
fn syslog_format(text: &str) -> Result<pim_notify::audit_stream::SyslogFormat, String> {
    use pim_notify::audit_stream::SyslogFormat;
    match text {
        "" | "json" => Ok(SyslogFormat::Json),
        "cef" => Ok(SyslogFormat::Cef),
        other => Err(format!(
            "STINT_AUDIT_SYSLOG_FORMAT must be json or cef, not {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{syslog_address, syslog_format};
    use pim_notify::audit_stream::SyslogFormat;

    #[test]
    fn the_syslog_format_is_json_unless_cef_is_named() {
        assert_eq!(syslog_format(""), Ok(SyslogFormat::Json));
        assert_eq!(syslog_format("cef"), Ok(SyslogFormat::Cef));
        assert!(syslog_format("CEF ").is_err());
        assert!(syslog_format("leef").is_err());
    }

    #[test]
    fn a_syslog_address_names_tls_or_plain_tcp_and_a_port() {
        assert_eq!(syslog_address(""), Ok(None));
        assert_eq!(
            syslog_address("tls://siem.example.org:6514"),
            Ok(Some(("siem.example.org:6514", true)))
        );
        assert_eq!(
            syslog_address("tcp://10.0.0.5:514"),
            Ok(Some(("10.0.0.5:514", false)))
        );
        assert_eq!(
            syslog_address("siem.example.org:514"),
            Ok(Some(("siem.example.org:514", false)))
        );
        for bad in [
            "udp://siem:514",
            "tls://siem",
            "siem:0",
            ":514",
            "tls://:6514",
        ] {
            assert!(syslog_address(bad).is_err(), "{bad}");
        }
    }
}
