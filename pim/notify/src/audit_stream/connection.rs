//! The connection to a syslog receiver: plain TCP, or TLS (RFC 5425) where the receiver
//! proves the host name it was addressed by.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Syslog over TLS: the receiver's certificate must chain to a public root, or to `ca_pem`
/// (the private CA many SIEM collectors use), and name the host in the address.
#[derive(Debug, Clone, Default)]
pub struct SyslogTls {
    /// PEM certificates trusted besides the public roots.
    pub ca_pem: Option<String>,
}

/// A TLS client for `tls`, or why its CA certificates cannot be used.
pub fn tls_connector(tls: &SyslogTls) -> Result<TlsConnector, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = &tls.ca_pem {
        let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the CA file is not PEM: {e}"))?;
        if certificates.is_empty() {
            return Err("the CA file holds no certificate".into());
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| format!("a CA certificate cannot be used: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The host of `host:port` (brackets of an IPv6 address removed).
fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

pub enum Connection {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection {
    /// Connects to `address`, with the TLS handshake when `tls` is given.
    pub async fn open(address: &str, tls: Option<&TlsConnector>) -> io::Result<Self> {
        let tcp = TcpStream::connect(address).await?;
        let Some(tls) = tls else {
            return Ok(Self::Plain(tcp));
        };
        let name = ServerName::try_from(host_of(address).to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(Self::Tls(Box::new(tls.connect(name, tcp).await?)))
    }

    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(tcp) => write_all_and_flush(tcp, bytes).await,
            Self::Tls(tls) => write_all_and_flush(&mut **tls, bytes).await,
        }
    }

    /// A syslog receiver never writes back, so a readable connection means it was closed
    /// (or reset); writing to it would succeed locally and lose the batch. Over TLS the
    /// receiver's handshake messages (session tickets) are taken in and are not data.
    pub fn peer_closed(&mut self) -> bool {
        let mut probe = [0_u8; 1];
        match self {
            Self::Plain(tcp) => !matches!(
                tcp.try_read(&mut probe),
                Err(ref e) if e.kind() == io::ErrorKind::WouldBlock
            ),
            Self::Tls(tls) => {
                let mut context = Context::from_waker(Waker::noop());
                let mut buffer = ReadBuf::new(&mut probe);
                !Pin::new(&mut **tls)
                    .poll_read(&mut context, &mut buffer)
                    .is_pending()
            }
        }
    }
}

async fn write_all_and_flush<W: AsyncWrite + Unpin>(
    writer: &mut W,
    bytes: &[u8],
) -> io::Result<()> {
    writer.write_all(bytes).await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_name_to_verify_is_the_address_without_its_port() {
        assert_eq!(host_of("siem.example.org:6514"), "siem.example.org");
        assert_eq!(host_of("[::1]:6514"), "::1");
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        let empty = SyslogTls {
            ca_pem: Some("no certificate here".into()),
        };
        assert!(tls_connector(&empty).is_err());
        assert!(tls_connector(&SyslogTls::default()).is_ok());
    }
}
