"""Which network addresses the fetcher may connect to: pure rules, no I/O (fetch.py applies them).

Feeds are written by strangers, so any link may point at the machine itself, the office network or a
cloud metadata service (169.254.169.254). Only globally routable unicast addresses are fetched, unless
the operator allows a range (PRESSWATCH_FETCH_ALLOW_NETWORKS, e.g. an intranet or 127.0.0.1/32 in tests).

The rules judge *addresses*, never spellings: fetch.py resolves the host itself and applies `refusal` to
each address before connecting to it, and again to the socket's peer after connecting. `literal_address`
only exists so a URL whose host is a numeric spelling (2130706433, 0x7f000001, 0177.0.0.1,
[::ffff:127.0.0.1]) is refused with a clear reason before any I/O.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_HINT = "PRESSWATCH_FETCH_ALLOW_NETWORKS can allow a range"
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (as in Settings.fetch_allow_networks) as networks; a bad one raises ValueError."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def category(ip: IPAddress) -> str | None:
    """Why this address is not a public one ("loopback", "private"...), or None when it is."""
    # Python 3.11 calls ::ffff:127.0.0.1 neither loopback nor private: judge the IPv4 inside.
    inner = embedded_ipv4(ip)
    if inner is not None:
        found = category(inner)
        if found is not None:
            return found
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        # Shared address space (100.64/10), benchmarking, documentation ranges and the like.
        ("not globally routable", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


@dataclass(frozen=True)
class NetPolicy:
    """Public addresses, plus the operator's allowed ranges. Unspecified and multicast never connect."""

    allow: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[str]) -> NetPolicy:
        return cls(parse_networks(cidrs))

    def allowed(self, ip: IPAddress) -> bool:
        inner = embedded_ipv4(ip)
        return any(
            addr.version == net.version and addr in net
            for net in self.allow
            for addr in (ip, inner)
            if addr is not None
        )

    def refusal(self, ip: IPAddress) -> str | None:
        """Why connecting to `ip` is refused, in words, or None when it may be connected to."""
        kind = category(ip)
        if kind is None:
            return None
        # 0.0.0.0 reaches the local host on Linux, and multicast is never a web server.
        if kind not in ("unspecified", "multicast") and self.allowed(ip):
            return None
        return f"refused address {ip} ({kind}): not a public address; {ALLOW_HINT}"


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host spells numerically, in any form the resolver accepts, else None.

    Covers dotted quads, IPv6 (with brackets or a zone), and the legacy inet_aton forms that
    resolvers take: 2130706433, 0x7f000001, 0177.0.0.1, 127.1. A name (even "localhost") gives None:
    names are judged by the addresses they resolve to.
    """
    text = host.strip().strip("[]").rstrip(".").split("%", 1)[0]
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if not all(part and (part[0].isdigit()) for part in text.split(".")):
        return None
    try:
        # Pure parsing (no lookup): the same legacy rules getaddrinfo applies to numeric hosts.
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def url_refusal(url: str, policy: NetPolicy) -> str | None:
    """A refusal for a URL whose host is a numeric spelling of a refused address, else None."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    ip = literal_address(host or "")
    return policy.refusal(ip) if ip is not None else None


def downgrade_refusal(current: str, target: str) -> str | None:
    """Redirects may not leave https for plain http (the answer could be altered on the way)."""
    if urlsplit(current).scheme.lower() == "https" and urlsplit(target).scheme.lower() == "http":
        return f"refused redirect from https to http: {current} -> {target}"
    return None
