//! Egress policy: which IP addresses a delivery may connect to (API.md, "Egress").
//!
//! This module owns the one answer to "may TaskShed send a webhook to this address?",
//! used in two places that must never disagree: the DNS resolver of the delivery client
//! (every address a host name resolves to, at connect time, so DNS rebinding gains
//! nothing) and callback registration (a literal IP in the URL, 422 `egress_denied`).
//! It is pure: it takes an address, never a host name, and does no I/O.
//!
//! # Modes
//! - `default` refuses what is never a webhook receiver and may be dangerous to reach:
//!   link-local (169.254.0.0/16 and fe80::/10, where cloud metadata services live, plus
//!   AWS's IPv6 metadata address fd00:ec2::254), unspecified (0.0.0.0/8, ::), broadcast,
//!   multicast, reserved (240.0.0.0/4) and documentation ranges. Loopback and private
//!   networks stay allowed, because a self-hosted scheduler usually delivers to services
//!   next to it.
//! - `public` also refuses loopback, private (RFC 1918), CGNAT (100.64.0.0/10) and
//!   unique-local (fc00::/7) addresses: for a multi-tenant or internet-facing deployment
//!   where callbacks are registered by people who must not reach the internal network.
//!
//! # IPv4 inside IPv6
//! Every IPv6 form that carries an IPv4 address is also checked as that IPv4 address, in
//! both modes: IPv4-mapped (`::ffff:0:0/96`), IPv4-compatible (`::/96`, deprecated, except
//! `::` and `::1` which are IPv6's own unspecified and loopback), 6to4 (`2002::/16`, bits
//! 16–48), NAT64 (`64:ff9b::/96`, and the local-use `64:ff9b:1::/48` read with the usual
//! /96 layout) and Teredo (`2001::/32`: the server in bits 32–64 and the client as the
//! last 32 bits inverted; both are checked). Otherwise `::ffff:169.254.169.254` or
//! `2002:a9fe:a9fe::` would walk past a list of IPv4 ranges to the metadata service on
//! any host that routes them. `public` refuses the local-use NAT64 prefix outright: its
//! operator may embed the IPv4 address at any of RFC 6052's positions, so no single
//! reading can be trusted, and by definition it leads into a local network.
//!
//! # Allow and deny lists: explicit deny > explicit allow > mode
//! 1. An address is refused if it, or any IPv4 address it embeds, is in `--egress-deny`.
//!    Deny always wins: an operator who writes a deny entry means "never", whatever else
//!    is configured, and embedded forms cannot dodge it.
//! 2. Otherwise `--egress-allow` punches holes in the mode's refusals, exactly as wide as
//!    its entries: `--egress public --egress-allow 10.1.0.0/16` reaches an internal
//!    receiver in 10.1/16 and nothing else private. An entry excuses a refusal when it
//!    contains the refused address, or the IPv6 address that embeds it (so allowing
//!    `2002::/16` allows 6to4 as a whole). Allowing metadata addresses is possible, but
//!    only by naming them.
//! 3. Otherwise the mode decides.
//!
//! So the allow list only ever widens and the deny list only ever narrows: addresses
//! outside the allow list are still judged by the mode, and nothing can re-open what a
//! deny entry closes. The precedence fits in one line and cannot be misread.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// The two egress modes of `--egress` (`TASKSHED_EGRESS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EgressMode {
    /// Refuse only what is never a receiver (metadata, link-local, multicast, …).
    #[default]
    Default,
    /// Also refuse loopback, private, CGNAT and unique-local networks.
    Public,
}

impl EgressMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Public => "public",
        }
    }
}

impl fmt::Display for EgressMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EgressMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(Self::Default),
            "public" => Ok(Self::Public),
            other => Err(format!(
                "unknown egress mode {other:?} (expected `default` or `public`)"
            )),
        }
    }
}

/// Why an address is refused: the kind of range it fell in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// In `--egress-deny`.
    DenyList,
    /// A cloud metadata endpoint outside link-local space (fd00:ec2::254).
    CloudMetadata,
    /// 169.254.0.0/16, fe80::/10: link-local, home of 169.254.169.254.
    LinkLocal,
    Unspecified,
    Broadcast,
    Multicast,
    /// 240.0.0.0/4, reserved for future use.
    Reserved,
    Documentation,
    Loopback,
    /// RFC 1918.
    Private,
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    SharedAddressSpace,
    /// fc00::/7.
    UniqueLocal,
    /// 64:ff9b:1::/48 (RFC 8215), refused whole under `public`.
    LocalUseNat64,
}

impl Reason {
    /// Words for logs and the 422/attempt error detail.
    pub fn describe(self) -> &'static str {
        match self {
            Self::DenyList => "listed in --egress-deny",
            Self::CloudMetadata => "cloud metadata endpoint",
            Self::LinkLocal => "link-local, where cloud metadata endpoints live",
            Self::Unspecified => "unspecified address",
            Self::Broadcast => "broadcast address",
            Self::Multicast => "multicast",
            Self::Reserved => "reserved range",
            Self::Documentation => "documentation range",
            Self::Loopback => "loopback, refused by --egress public",
            Self::Private => "private network (RFC 1918), refused by --egress public",
            Self::SharedAddressSpace => "carrier-grade NAT range, refused by --egress public",
            Self::UniqueLocal => "unique-local network, refused by --egress public",
            Self::LocalUseNat64 => "local-use NAT64 prefix, refused by --egress public",
        }
    }
}

/// An IPv6 form that carries an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedding {
    Ipv4Mapped,
    Ipv4Compatible,
    SixToFour,
    Nat64,
    TeredoServer,
    TeredoClient,
}

impl Embedding {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Ipv4Mapped => "IPv4-mapped",
            Self::Ipv4Compatible => "IPv4-compatible",
            Self::SixToFour => "6to4",
            Self::Nat64 => "NAT64",
            Self::TeredoServer => "Teredo server",
            Self::TeredoClient => "Teredo client",
        }
    }
}

/// A refusal: which address, through which embedded IPv4 if any, fell in which range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The address that was checked, as given.
    pub address: IpAddr,
    /// The IPv4 address inside `address` that was refused, when that is what was refused.
    pub embedded: Option<(Embedding, Ipv4Addr)>,
    pub range: IpNet,
    pub reason: Reason,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.embedded {
            None => write!(f, "{} is in {}", self.address, self.range)?,
            Some((form, v4)) => write!(
                f,
                "{} embeds {v4} ({}), which is in {}",
                self.address,
                form.describe(),
                self.range
            )?,
        }
        write!(f, " ({})", self.reason.describe())
    }
}

impl std::error::Error for Denied {}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(s: [u16; 8], len: u8) -> Ipv6Net {
    let addr = Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    Ipv6Net::new_assert(addr, len)
}

// Order matters only for the reason reported: the narrower range comes first
// (broadcast inside reserved, the metadata address inside unique-local).
const DEFAULT_V4: &[(Ipv4Net, Reason)] = &[
    (v4(169, 254, 0, 0, 16), Reason::LinkLocal),
    (v4(0, 0, 0, 0, 8), Reason::Unspecified),
    (v4(255, 255, 255, 255, 32), Reason::Broadcast),
    (v4(224, 0, 0, 0, 4), Reason::Multicast),
    (v4(240, 0, 0, 0, 4), Reason::Reserved),
    (v4(192, 0, 2, 0, 24), Reason::Documentation),
    (v4(198, 51, 100, 0, 24), Reason::Documentation),
    (v4(203, 0, 113, 0, 24), Reason::Documentation),
];

const PUBLIC_V4: &[(Ipv4Net, Reason)] = &[
    (v4(127, 0, 0, 0, 8), Reason::Loopback),
    (v4(10, 0, 0, 0, 8), Reason::Private),
    (v4(172, 16, 0, 0, 12), Reason::Private),
    (v4(192, 168, 0, 0, 16), Reason::Private),
    (v4(100, 64, 0, 0, 10), Reason::SharedAddressSpace),
];

const DEFAULT_V6: &[(Ipv6Net, Reason)] = &[
    (
        v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128),
        Reason::CloudMetadata,
    ),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), Reason::LinkLocal),
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), Reason::Unspecified),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), Reason::Multicast),
    (
        v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32),
        Reason::Documentation,
    ),
];

const PUBLIC_V6: &[(Ipv6Net, Reason)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), Reason::Loopback),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), Reason::UniqueLocal),
    (
        v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),
        Reason::LocalUseNat64,
    ),
];

/// The IPv4 addresses an IPv6 address carries, with the form that carries each.
/// At most two (Teredo carries a server and a client).
pub fn embedded_ipv4(addr: Ipv6Addr) -> Vec<(Embedding, Ipv4Addr)> {
    let bits = u128::from(addr);
    let low32 = Ipv4Addr::from(bits as u32);
    let in_net = |s: [u16; 8], len: u8| v6(s, len).contains(&addr);

    if in_net([0, 0, 0, 0, 0, 0xffff, 0, 0], 96) {
        vec![(Embedding::Ipv4Mapped, low32)]
    } else if in_net([0, 0, 0, 0, 0, 0, 0, 0], 96) {
        // `::` and `::1` are IPv6's own unspecified and loopback addresses, judged as such.
        if bits <= 1 {
            vec![]
        } else {
            vec![(Embedding::Ipv4Compatible, low32)]
        }
    } else if in_net([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96)
        || in_net([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48)
    {
        vec![(Embedding::Nat64, low32)]
    } else if in_net([0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        vec![(Embedding::SixToFour, Ipv4Addr::from((bits >> 80) as u32))]
    } else if in_net([0x2001, 0, 0, 0, 0, 0, 0, 0], 32) {
        vec![
            (Embedding::TeredoServer, Ipv4Addr::from((bits >> 64) as u32)),
            (Embedding::TeredoClient, Ipv4Addr::from(!(bits as u32))),
        ]
    } else {
        vec![]
    }
}

/// Where deliveries may go: a mode plus the operator's allow and deny lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    mode: EgressMode,
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
}

impl EgressPolicy {
    pub fn new(mode: EgressMode, allow: Vec<IpNet>, deny: Vec<IpNet>) -> Self {
        Self { mode, allow, deny }
    }

    pub fn mode(&self) -> EgressMode {
        self.mode
    }

    /// Whether a delivery may connect to `address`; the refusal says why not.
    pub fn allows(&self, address: IpAddr) -> Result<(), Denied> {
        let mut candidates = vec![(None, address)];
        if let IpAddr::V6(v6) = address {
            candidates.extend(
                embedded_ipv4(v6)
                    .into_iter()
                    .map(|(form, v4)| (Some(form), IpAddr::V4(v4))),
            );
        }
        let denied = |form: Option<Embedding>, checked: IpAddr, range: IpNet, reason| Denied {
            address,
            embedded: form.map(|f| {
                let IpAddr::V4(v4) = checked else {
                    unreachable!("only IPv4 addresses are embedded")
                };
                (f, v4)
            }),
            range,
            reason,
        };

        for &(form, checked) in &candidates {
            if let Some(net) = self.deny.iter().find(|n| n.contains(&checked)) {
                return Err(denied(form, checked, *net, Reason::DenyList));
            }
        }
        if self.allow.iter().any(|n| n.contains(&address)) {
            return Ok(());
        }
        for &(form, checked) in &candidates {
            if self.allow.iter().any(|n| n.contains(&checked)) {
                continue;
            }
            if let Some((range, reason)) = self.mode_refusal(checked) {
                return Err(denied(form, checked, range, reason));
            }
        }
        Ok(())
    }

    /// The mode's own verdict on one address, ignoring embedded forms and lists.
    fn mode_refusal(&self, address: IpAddr) -> Option<(IpNet, Reason)> {
        let public = self.mode == EgressMode::Public;
        match address {
            IpAddr::V4(a) => {
                let extra: &[(Ipv4Net, Reason)] = if public { PUBLIC_V4 } else { &[] };
                DEFAULT_V4
                    .iter()
                    .chain(extra)
                    .find(|(net, _)| net.contains(&a))
                    .map(|&(net, reason)| (IpNet::V4(net), reason))
            }
            IpAddr::V6(a) => {
                let extra: &[(Ipv6Net, Reason)] = if public { PUBLIC_V6 } else { &[] };
                DEFAULT_V6
                    .iter()
                    .chain(extra)
                    .find(|(net, _)| net.contains(&a))
                    .map(|&(net, reason)| (IpNet::V6(net), reason))
            }
        }
    }
}

/// Checks the host of a callback URL when it is a literal IP address. reqwest connects to
/// literal IPs without asking the resolver, so the sender must call this before every
/// send, and registration calls it for its 422. Host names pass: they are judged at
/// connect time, on every address they resolve to.
pub fn check_url_host(url: &reqwest::Url, policy: &EgressPolicy) -> Result<(), Denied> {
    // The URL parser has already normalised shorthand IPv4 (`127.1`, `0x7f.0.0.1`,
    // `2130706433`) to dotted form and put IPv6 in brackets.
    let Some(host) = url.host_str() else {
        return Ok(());
    };
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match unbracketed.parse::<IpAddr>() {
        Ok(address) => policy.allows(address),
        Err(_) => Ok(()),
    }
}

/// A parsed `--egress-allow` / `--egress-deny` value (see [`parse_cidr_list`]), so the
/// configuration holds checked ranges, never a string to parse again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CidrList(pub Vec<IpNet>);

impl FromStr for CidrList {
    type Err = CidrListError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_cidr_list(s).map(Self)
    }
}

/// Why a comma-separated CIDR list was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrListError {
    #[error(
        "entry {position} is empty (expected comma-separated CIDRs such as 10.1.0.0/16,fd12::/16)"
    )]
    Empty { position: usize },
    #[error("entry {position} ({entry:?}) is not an IP address or CIDR")]
    Invalid { position: usize, entry: String },
    #[error(
        "entry {position} ({entry:?}) has bits set after the prefix; did you mean {suggested}?"
    )]
    HostBits {
        position: usize,
        entry: String,
        suggested: IpNet,
    },
}

/// Parses `TASKSHED_EGRESS_ALLOW`/`_DENY`: comma-separated CIDRs, spaces allowed around
/// entries, an empty string is an empty list. A bare address means just that address.
/// `10.1.2.3/16` is refused rather than read as 10.1.0.0/16: in a security setting a
/// typo must not silently widen or move a range. Positions in errors count from 1.
pub fn parse_cidr_list(text: &str) -> Result<Vec<IpNet>, CidrListError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, raw)| {
            let position = i + 1;
            let entry = raw.trim();
            if entry.is_empty() {
                return Err(CidrListError::Empty { position });
            }
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(addr) => IpNet::from(addr),
                    Err(_) => {
                        return Err(CidrListError::Invalid {
                            position,
                            entry: entry.to_owned(),
                        })
                    }
                },
            };
            if net.trunc() != net {
                return Err(CidrListError::HostBits {
                    position,
                    entry: entry.to_owned(),
                    suggested: net.trunc(),
                });
            }
            Ok(net)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: EgressMode, allow: &str, deny: &str) -> EgressPolicy {
        EgressPolicy::new(
            mode,
            parse_cidr_list(allow).unwrap(),
            parse_cidr_list(deny).unwrap(),
        )
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("bad test address {s}"))
    }

    use EgressMode::{Default as D, Public as P};
    use Reason::*;

    /// `(address, reason under default, reason under public)`; `None` = allowed.
    /// First and last address of every range, and the neighbours just outside.
    const TABLE: &[(&str, Option<Reason>, Option<Reason>)] = &[
        // link-local / metadata
        ("169.254.0.0", Some(LinkLocal), Some(LinkLocal)),
        ("169.254.169.254", Some(LinkLocal), Some(LinkLocal)),
        ("169.254.255.255", Some(LinkLocal), Some(LinkLocal)),
        ("169.253.255.255", None, None),
        ("169.255.0.0", None, None),
        ("fe80::", Some(LinkLocal), Some(LinkLocal)),
        ("fe80::a9fe:a9fe", Some(LinkLocal), Some(LinkLocal)),
        (
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some(LinkLocal),
            Some(LinkLocal),
        ),
        ("fec0::", None, None),
        ("fd00:ec2::254", Some(CloudMetadata), Some(CloudMetadata)),
        ("fd00:ec2::253", None, Some(UniqueLocal)),
        // unspecified
        ("0.0.0.0", Some(Unspecified), Some(Unspecified)),
        ("0.255.255.255", Some(Unspecified), Some(Unspecified)),
        ("1.0.0.0", None, None),
        ("::", Some(Unspecified), Some(Unspecified)),
        // broadcast, reserved
        ("255.255.255.255", Some(Broadcast), Some(Broadcast)),
        ("255.255.255.254", Some(Reserved), Some(Reserved)),
        ("240.0.0.0", Some(Reserved), Some(Reserved)),
        ("239.255.255.255", Some(Multicast), Some(Multicast)),
        // multicast
        ("224.0.0.0", Some(Multicast), Some(Multicast)),
        ("223.255.255.255", None, None),
        ("ff00::", Some(Multicast), Some(Multicast)),
        ("ff02::1", Some(Multicast), Some(Multicast)),
        (
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some(Multicast),
            Some(Multicast),
        ),
        ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", None, None),
        // documentation
        ("192.0.2.0", Some(Documentation), Some(Documentation)),
        ("192.0.2.255", Some(Documentation), Some(Documentation)),
        ("192.0.3.0", None, None),
        ("192.0.1.255", None, None),
        ("198.51.100.0", Some(Documentation), Some(Documentation)),
        ("198.51.100.255", Some(Documentation), Some(Documentation)),
        ("198.51.101.0", None, None),
        ("203.0.113.0", Some(Documentation), Some(Documentation)),
        ("203.0.113.255", Some(Documentation), Some(Documentation)),
        ("203.0.112.255", None, None),
        ("2001:db8::", Some(Documentation), Some(Documentation)),
        (
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            Some(Documentation),
            Some(Documentation),
        ),
        ("2001:db9::", None, None),
        // loopback
        ("127.0.0.0", None, Some(Loopback)),
        ("127.0.0.1", None, Some(Loopback)),
        ("127.255.255.255", None, Some(Loopback)),
        ("126.255.255.255", None, None),
        ("128.0.0.0", None, None),
        ("::1", None, Some(Loopback)),
        // RFC 1918
        ("10.0.0.0", None, Some(Private)),
        ("10.255.255.255", None, Some(Private)),
        ("9.255.255.255", None, None),
        ("11.0.0.0", None, None),
        ("172.16.0.0", None, Some(Private)),
        ("172.31.255.255", None, Some(Private)),
        ("172.15.255.255", None, None),
        ("172.32.0.0", None, None),
        ("192.168.0.0", None, Some(Private)),
        ("192.168.255.255", None, Some(Private)),
        ("192.167.255.255", None, None),
        ("192.169.0.0", None, None),
        // CGNAT
        ("100.64.0.0", None, Some(SharedAddressSpace)),
        ("100.127.255.255", None, Some(SharedAddressSpace)),
        ("100.63.255.255", None, None),
        ("100.128.0.0", None, None),
        // unique-local
        ("fc00::", None, Some(UniqueLocal)),
        (
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            None,
            Some(UniqueLocal),
        ),
        ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", None, None),
        // public
        ("8.8.8.8", None, None),
        ("93.184.216.34", None, None),
        ("2606:4700:4700::1111", None, None),
        // IPv4-mapped
        ("::ffff:8.8.8.8", None, None),
        ("::ffff:127.0.0.1", None, Some(Loopback)),
        ("::ffff:10.0.0.1", None, Some(Private)),
        ("::ffff:192.168.1.1", None, Some(Private)),
        ("::ffff:100.64.0.1", None, Some(SharedAddressSpace)),
        ("::ffff:169.254.169.254", Some(LinkLocal), Some(LinkLocal)),
        ("::ffff:0.0.0.0", Some(Unspecified), Some(Unspecified)),
        ("::ffff:255.255.255.255", Some(Broadcast), Some(Broadcast)),
        // IPv4-compatible
        ("::8.8.8.8", None, None),
        ("::127.0.0.1", None, Some(Loopback)),
        ("::10.0.0.1", None, Some(Private)),
        ("::169.254.169.254", Some(LinkLocal), Some(LinkLocal)),
        // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
        ("2002:808:808::1", None, None),
        ("2002:7f00:1::", None, Some(Loopback)),
        ("2002:a00:1:ffff:ffff:ffff:ffff:ffff", None, Some(Private)),
        ("2002:c0a8:101::", None, Some(Private)),
        ("2002:a9fe:a9fe::", Some(LinkLocal), Some(LinkLocal)),
        ("2002:c000:201::", Some(Documentation), Some(Documentation)),
        // NAT64, well-known prefix
        ("64:ff9b::808:808", None, None),
        ("64:ff9b::7f00:1", None, Some(Loopback)),
        ("64:ff9b::a00:1", None, Some(Private)),
        ("64:ff9b::a9fe:a9fe", Some(LinkLocal), Some(LinkLocal)),
        // NAT64, local-use prefix: read as /96 under default, refused whole under public
        ("64:ff9b:1::808:808", None, Some(LocalUseNat64)),
        ("64:ff9b:1::a9fe:a9fe", Some(LinkLocal), Some(LocalUseNat64)),
        (
            "64:ff9b:1:ffff:ffff:ffff:808:808",
            None,
            Some(LocalUseNat64),
        ),
        ("64:ff9b:2::", None, None),
        // Teredo: 2001:0:SSSS:SSSS:flags:port:~CCCC:~CCCC
        // server 65.54.227.120, client 8.8.8.8 (inverted: f7f7:f7f7)
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", None, None),
        // client 10.0.0.1 (inverted: f5ff:fffe)
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", None, Some(Private)),
        // client 127.0.0.1 (inverted: 80ff:fffe)
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", None, Some(Loopback)),
        // client 169.254.169.254 (inverted: 5601:5601)
        (
            "2001:0:4136:e378:8000:63bf:5601:5601",
            Some(LinkLocal),
            Some(LinkLocal),
        ),
        // server 192.168.0.1, client 8.8.8.8
        ("2001:0:c0a8:1:8000:63bf:f7f7:f7f7", None, Some(Private)),
        // server 169.254.169.254, client 8.8.8.8
        (
            "2001:0:a9fe:a9fe:8000:63bf:f7f7:f7f7",
            Some(LinkLocal),
            Some(LinkLocal),
        ),
        // first and last address of each embedding range, and just outside
        ("::ffff:0:0", Some(Unspecified), Some(Unspecified)),
        ("::ffff:ffff:ffff", Some(Broadcast), Some(Broadcast)),
        ("::fffe:ffff:ffff", None, None),
        ("::0.0.0.2", Some(Unspecified), Some(Unspecified)),
        ("::255.255.255.255", Some(Broadcast), Some(Broadcast)),
        ("2002::", Some(Unspecified), Some(Unspecified)),
        (
            "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            Some(Broadcast),
            Some(Broadcast),
        ),
        ("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", None, None),
        ("2003::", None, None),
        ("64:ff9b::", Some(Unspecified), Some(Unspecified)),
        ("64:ff9b::ffff:ffff", Some(Broadcast), Some(Broadcast)),
        ("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", None, None),
        ("64:ff9b:0:0:0:1::", None, None),
        // Teredo's first address has server 0.0.0.0, its last server 255.255.255.255.
        ("2001::", Some(Unspecified), Some(Unspecified)),
        (
            "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
            Some(Broadcast),
            Some(Broadcast),
        ),
        // a client of 0.0.0.0 is refused even with a public server
        (
            "2001:0:4136:e378:8000:63bf:ffff:ffff",
            Some(Unspecified),
            Some(Unspecified),
        ),
        // just outside Teredo's /32
        ("2001:1::a00:1", None, None),
    ];

    #[test]
    fn table_of_ranges_under_each_mode() {
        let mut failures = Vec::new();
        for &(addr, under_default, under_public) in TABLE {
            for (mode, expected) in [(D, under_default), (P, under_public)] {
                let got = policy(mode, "", "")
                    .allows(ip(addr))
                    .err()
                    .map(|d| d.reason);
                if got != expected {
                    failures.push(format!(
                        "{addr} under {mode}: got {got:?}, expected {expected:?}"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn embedded_forms_extract_the_ipv4_address() {
        let cases: &[(&str, &[(Embedding, &str)])] = &[
            ("::ffff:1.2.3.4", &[(Embedding::Ipv4Mapped, "1.2.3.4")]),
            ("::1.2.3.4", &[(Embedding::Ipv4Compatible, "1.2.3.4")]),
            ("::1", &[]),
            ("::", &[]),
            ("2002:102:304::", &[(Embedding::SixToFour, "1.2.3.4")]),
            ("64:ff9b::102:304", &[(Embedding::Nat64, "1.2.3.4")]),
            ("64:ff9b:1::102:304", &[(Embedding::Nat64, "1.2.3.4")]),
            (
                "2001:0:102:304::fefd:fcfb",
                &[
                    (Embedding::TeredoServer, "1.2.3.4"),
                    (Embedding::TeredoClient, "1.2.3.4"),
                ],
            ),
            ("2606:4700::1", &[]),
        ];
        for &(addr, expected) in cases {
            let IpAddr::V6(v6) = ip(addr) else { panic!() };
            let expected: Vec<_> = expected
                .iter()
                .map(|&(form, a)| (form, a.parse::<Ipv4Addr>().unwrap()))
                .collect();
            assert_eq!(embedded_ipv4(v6), expected, "{addr}");
        }
    }

    #[test]
    fn refusal_names_the_embedded_address_and_range() {
        let denied = policy(P, "", "")
            .allows(ip("2001:0:4136:e378:8000:63bf:f5ff:fffe"))
            .unwrap_err();
        assert_eq!(
            denied.embedded,
            Some((Embedding::TeredoClient, Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert_eq!(denied.range, "10.0.0.0/8".parse::<IpNet>().unwrap());
        let text = denied.to_string();
        assert!(text.contains("embeds 10.0.0.1 (Teredo client)"), "{text}");
        assert!(text.contains("10.0.0.0/8"), "{text}");

        let text = policy(D, "", "")
            .allows(ip("169.254.169.254"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            text,
            "169.254.169.254 is in 169.254.0.0/16 (link-local, where cloud metadata endpoints live)"
        );
    }

    #[test]
    fn allow_punches_a_hole_exactly_as_wide_as_its_entry() {
        let p = policy(P, "10.1.0.0/16", "");
        assert_eq!(p.allows(ip("10.1.0.0")), Ok(()));
        assert_eq!(p.allows(ip("10.1.255.255")), Ok(()));
        assert_eq!(p.allows(ip("::ffff:10.1.2.3")), Ok(()));
        assert_eq!(p.allows(ip("2002:a01:203::")), Ok(()));
        assert_eq!(p.allows(ip("10.2.0.1")).unwrap_err().reason, Private);
        assert_eq!(p.allows(ip("10.0.255.255")).unwrap_err().reason, Private);
        assert_eq!(p.allows(ip("127.0.0.1")).unwrap_err().reason, Loopback);
        // The rest of the mode still applies.
        assert_eq!(
            p.allows(ip("169.254.169.254")).unwrap_err().reason,
            LinkLocal
        );
    }

    #[test]
    fn allow_of_an_ipv6_prefix_covers_what_it_embeds() {
        let p = policy(P, "2002::/16", "");
        assert_eq!(p.allows(ip("2002:a00:1::")), Ok(()));
        assert_eq!(p.allows(ip("::ffff:10.0.0.1")).unwrap_err().reason, Private);
    }

    #[test]
    fn allow_can_name_a_default_refusal_explicitly() {
        let p = policy(D, "169.254.169.254", "");
        assert_eq!(p.allows(ip("169.254.169.254")), Ok(()));
        assert_eq!(
            p.allows(ip("169.254.169.253")).unwrap_err().reason,
            LinkLocal
        );
    }

    #[test]
    fn teredo_needs_both_embedded_addresses_allowed() {
        // client 10.0.0.1 allowed, server 192.168.0.1 still refused
        let p = policy(P, "10.0.0.0/8", "");
        let denied = p
            .allows(ip("2001:0:c0a8:1:8000:63bf:f5ff:fffe"))
            .unwrap_err();
        assert_eq!(
            denied.embedded,
            Some((Embedding::TeredoServer, Ipv4Addr::new(192, 168, 0, 1)))
        );
        let p = policy(P, "10.0.0.0/8,192.168.0.0/16", "");
        assert_eq!(p.allows(ip("2001:0:c0a8:1:8000:63bf:f5ff:fffe")), Ok(()));
    }

    #[test]
    fn deny_wins_over_allow_and_over_every_mode() {
        let p = policy(P, "10.0.0.0/8", "10.9.0.0/16");
        assert_eq!(p.allows(ip("10.1.0.1")), Ok(()));
        let denied = p.allows(ip("10.9.0.1")).unwrap_err();
        assert_eq!(
            (denied.reason, denied.range),
            (DenyList, "10.9.0.0/16".parse().unwrap())
        );

        let p = policy(D, "203.0.113.7", "203.0.113.7");
        assert_eq!(p.allows(ip("203.0.113.7")).unwrap_err().reason, DenyList);

        let p = policy(D, "", "8.8.8.0/24");
        assert_eq!(p.allows(ip("8.8.8.8")).unwrap_err().reason, DenyList);
        assert_eq!(p.allows(ip("8.8.9.8")), Ok(()));
    }

    #[test]
    fn deny_reaches_embedded_forms() {
        let p = policy(D, "", "8.8.8.0/24");
        for addr in [
            "::ffff:8.8.8.8",
            "::8.8.8.8",
            "2002:808:808::",
            "64:ff9b::808:808",
            "2001:0:808:808::1",
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
        ] {
            let denied = p.allows(ip(addr)).unwrap_err();
            assert_eq!(denied.reason, DenyList, "{addr}");
            assert!(denied.embedded.is_some(), "{addr}");
        }
        // An IPv6 deny entry matches the IPv6 address itself.
        let p = policy(D, "2606:4700::/32", "");
        assert_eq!(p.allows(ip("2606:4700::1")), Ok(()));
        let p = policy(D, "", "2606:4700::/32");
        assert_eq!(p.allows(ip("2606:4700::1")).unwrap_err().reason, DenyList);
    }

    #[test]
    fn url_host_check_covers_literal_ips_only() {
        let p = policy(P, "", "");
        let check = |u: &str| check_url_host(&reqwest::Url::parse(u).unwrap(), &p);
        assert_eq!(
            check("http://127.0.0.1:8080/hook").unwrap_err().reason,
            Loopback
        );
        assert_eq!(check("http://[::1]/hook").unwrap_err().reason, Loopback);
        assert_eq!(
            check("http://[::ffff:a9fe:a9fe]/").unwrap_err().reason,
            LinkLocal
        );
        // The URL parser normalises the shorthand IPv4 forms to the address they mean.
        assert_eq!(check("http://127.1/").unwrap_err().reason, Loopback);
        assert_eq!(check("http://2130706433/").unwrap_err().reason, Loopback);
        assert_eq!(check("http://0x7f.0.0.1/").unwrap_err().reason, Loopback);
        assert_eq!(check("https://8.8.8.8/"), Ok(()));
        // Names are judged by the resolver at connect time.
        assert_eq!(check("http://localhost/"), Ok(()));
    }

    #[test]
    fn mode_and_config_parse() {
        assert_eq!("default".parse::<EgressMode>(), Ok(D));
        assert_eq!("public".parse::<EgressMode>(), Ok(P));
        assert!("Public"
            .parse::<EgressMode>()
            .unwrap_err()
            .contains("`default` or `public`"));
        let allow: CidrList = "10.1.0.0/16".parse().unwrap();
        assert_eq!(allow.0, vec!["10.1.0.0/16".parse::<IpNet>().unwrap()]);
        assert_eq!("".parse::<CidrList>(), Ok(CidrList::default()));
        assert!("10.0.0.1/8".parse::<CidrList>().is_err());
        assert_eq!(EgressPolicy::default().mode(), D);
    }

    #[test]
    fn cidr_lists_parse_with_clear_errors() {
        let nets = |s: &str| parse_cidr_list(s).unwrap();
        assert_eq!(nets(""), vec![]);
        assert_eq!(nets("  "), vec![]);
        assert_eq!(
            nets("10.1.0.0/16, fd12::/16 ,192.0.2.7,::1"),
            vec![
                "10.1.0.0/16".parse::<IpNet>().unwrap(),
                "fd12::/16".parse().unwrap(),
                "192.0.2.7/32".parse().unwrap(),
                "::1/128".parse().unwrap(),
            ]
        );
        assert_eq!(
            parse_cidr_list("10.0.0.0/8,,").unwrap_err(),
            CidrListError::Empty { position: 2 }
        );
        assert_eq!(
            parse_cidr_list("10.0.0.0/8,example.com").unwrap_err(),
            CidrListError::Invalid {
                position: 2,
                entry: "example.com".into()
            }
        );
        assert!(matches!(
            parse_cidr_list("10.0.0.0/33").unwrap_err(),
            CidrListError::Invalid { position: 1, .. }
        ));
        let err = parse_cidr_list("10.1.2.3/16").unwrap_err();
        assert_eq!(
            err.to_string(),
            "entry 1 (\"10.1.2.3/16\") has bits set after the prefix; did you mean 10.1.0.0/16?"
        );
    }
}
