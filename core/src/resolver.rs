//! Name resolution for the transport.
//!
//! ureq resolves the host before every request, even one that goes out on a pooled keep-alive
//! connection, and with a timeout set it does each lookup on a thread of its own: a thread and a
//! `getaddrinfo` per message. Here an IP literal needs no lookup at all, and a name is looked up
//! (by ureq's resolver, within the timeout) at most once per `TTL`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up address is used: short enough to follow a provider's DNS change.
const TTL: Duration = Duration::from_secs(30);
/// A client talks to one host; the bound only guards against a misuse.
const MAX_NAMES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    lookup: DefaultResolver,
    names: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            return self.lookup.resolve(uri, config, timeout); // ureq's error for a bad URL
        };
        let default_port = if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        };
        let port = authority.port_u16().unwrap_or(default_port);
        let host = authority.host();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }

        let key = format!("{host}:{port}");
        let now = Instant::now();
        {
            let names = self.names.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, addrs)) = names.get(&key) {
                if now.duration_since(*at) < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if names.len() >= MAX_NAMES {
            names.clear();
        }
        names.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn resolve(resolver: &CachingResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let timeout = NextTimeout {
            after: UreqDuration::from(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        let addrs = resolver.resolve(&uri, &Config::default(), timeout)?;
        Ok(addrs.iter().copied().collect())
    }

    #[test]
    fn ip_literals_are_used_as_they_are() {
        let r = CachingResolver::default();
        assert_eq!(
            resolve(&r, "http://127.0.0.1:8080/x").unwrap(),
            vec!["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(
            resolve(&r, "https://[::1]/x").unwrap(),
            vec!["[::1]:443".parse().unwrap()]
        );
        assert!(r.names.lock().unwrap().is_empty());
    }

    #[test]
    fn names_are_looked_up_once_and_remembered() {
        let r = CachingResolver::default();
        let first = resolve(&r, "http://localhost:9/").unwrap();
        assert!(first.iter().all(|a| a.port() == 9 && a.ip().is_loopback()));
        assert!(r.names.lock().unwrap().contains_key("localhost:9"));
        assert_eq!(resolve(&r, "http://localhost:9/other").unwrap(), first);
    }

    #[test]
    fn unknown_names_are_errors_and_not_remembered() {
        let r = CachingResolver::default();
        assert!(resolve(&r, "http://no-such-host.invalid/").is_err());
        assert!(r.names.lock().unwrap().is_empty());
    }
}
