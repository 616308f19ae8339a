//! The client's address, as per-address limits and the audit log need it.
//! Behind a reverse proxy every request arrives from the proxy, so one
//! guesser would throttle everyone. `X-Forwarded-For` is believed only when
//! the peer is a proxy the operator trusts, and then only back to the first
//! address that no trusted proxy added: anything to its left was written by
//! the client and proves nothing.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// Addresses and networks of the reverse proxies in front of ODB.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses (`10.0.0.5`) and networks (`10.0.0.0/24`).
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// Whether the browser reached ODB over TLS: a trusted proxy in front
    /// (`peer`) says so in `X-Forwarded-Proto`. odb itself speaks plain HTTP.
    pub fn forwards_tls(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        peer.is_some_and(|p| self.trusts(p.to_canonical()))
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }

    /// The address of the client behind `peer`.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if !self.trusts(client) {
            return Some(client);
        }
        // Hops are split on raw bytes: a client's unreadable bytes spoil only
        // the entry it wrote, not the addresses the proxies appended after it.
        let hops: Vec<&[u8]> = headers
            .get_all("x-forwarded-for")
            .flat_map(|value| value.as_bytes().split(|&b| b == b','))
            .collect();
        // each proxy appended the address it saw: walk back from the nearest
        for hop in hops.iter().rev() {
            let Some(address) = parse_hop(hop) else {
                tracing::warn!(peer = %client, "unreadable X-Forwarded-For entry; the client is taken to be the last trusted hop");
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        Some(client)
    }
}

/// `203.0.113.7`, `2001:db8::1`, and the forms with a port some proxies
/// write: `203.0.113.7:5678`, `[2001:db8::1]:443`.
fn parse_hop(hop: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(hop).ok()?.trim();
    let address = text
        .parse::<IpAddr>()
        .or_else(|_| text.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .or_else(|_| text.trim_start_matches('[').trim_end_matches(']').parse())
        .ok()?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::limit_key;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
            );
        }
        headers
    }

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn lists_take_addresses_and_networks_and_name_a_bad_entry() {
        let proxies: TrustedProxies = " 10.0.0.5, 192.168.0.0/16 ,::1".parse().unwrap_or_default();
        assert_eq!(proxies.0.len(), 3);
        assert!(proxies.trusts([192, 168, 4, 4].into()));
        assert!(!proxies.trusts([10, 0, 0, 6].into()));
        let error = "10.0.0.5, proxy.local".parse::<TrustedProxies>().err();
        assert_eq!(
            error.as_deref(),
            Some("\"proxy.local\" is neither an IP address nor a network")
        );
        assert!("".parse::<TrustedProxies>().is_ok_and(|p| p.0.is_empty()));
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let none = TrustedProxies::default();
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            none.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );

        let proxy: TrustedProxies = "10.0.0.5".parse().unwrap_or_default();
        assert_eq!(
            proxy.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
        assert_eq!(proxy.client(ip("10.0.0.5"), &headers), ip("203.0.113.7"));
        assert_eq!(
            proxy.client(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn a_client_cannot_forge_its_way_past_the_proxies() {
        let proxies: TrustedProxies = "10.0.0.0/24".parse().unwrap_or_default();
        // the client wrote 1.2.3.4 itself; the outer proxy saw 203.0.113.7,
        // the inner one saw the outer proxy
        let headers = forwarded(&["1.2.3.4, 203.0.113.7", "10.0.0.9"]);
        assert_eq!(proxies.client(ip("10.0.0.5"), &headers), ip("203.0.113.7"));
        // garbage stops the walk at the last address a trusted hop vouched for
        let headers = forwarded(&["203.0.113.7, not-an-address, 10.0.0.9"]);
        assert_eq!(proxies.client(ip("10.0.0.5"), &headers), ip("10.0.0.9"));
        // bytes the client wrote cannot hide the address the proxy appended
        let mut headers = HeaderMap::new();
        headers.append(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_bytes(b"\x80\xff, 203.0.113.7")
                .unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        assert_eq!(proxies.client(ip("10.0.0.5"), &headers), ip("203.0.113.7"));
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let key = |text: &str| ip(text).map(limit_key);
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), ip("2001:db8:1:2::"));
        assert_eq!(key("203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(key("::ffff:203.0.113.7"), ip("203.0.113.7"));
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let proxies: TrustedProxies = "10.0.0.5".parse().unwrap_or_default();
        for (hop, client) in [
            ("203.0.113.7:5678", "203.0.113.7"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
        ] {
            assert_eq!(
                proxies.client(ip("10.0.0.5"), &forwarded(&[hop])),
                ip(client),
                "{hop}"
            );
        }
        // a dual-stack listener sees the proxy as ::ffff:10.0.0.5
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.5"), &headers),
            ip("203.0.113.7")
        );
    }
}
