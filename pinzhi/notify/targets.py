"""Where a webhook may go (X-3; issue 6 item 5).

A webhook URL is typed in by the quality department, and Pinzhi's workers then POST to it
from inside the operator's network. Without a check that is a way to reach the services
next to Pinzhi (databases, admin consoles, the cloud's metadata service). So a webhook goes
only to a public internet address:

- the host name is resolved, and EVERY address it resolves to must be public — not
  loopback, private, link-local, multicast, reserved, unspecified, shared (CGNAT) or a
  cloud metadata address, also when written as an IPv4-mapped, 6to4, NAT64 or
  IPv4-compatible IPv6 address;
- the check runs when the endpoint is saved (a clear form error) and again on every
  delivery, and the delivery connects to the very address that was checked (the Host
  header and the TLS server name stay the URL's name), so a DNS answer that changes between
  the check and the connection (DNS rebinding) cannot lead elsewhere;
- an operator may allow named hosts (a gateway on the internal network) with
  PINZHI_WEBHOOK_ALLOWED_HOSTS: those may resolve to private addresses, but never to a
  metadata address.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings

from pinzhi.lib.errors import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services (AWS IPv4/IPv6 and ECS, Alibaba Cloud, Tencent Cloud, Azure,
# Oracle Cloud): refused even for an allowed host.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.0.23",
        "100.100.100.200",
        "168.63.129.16",
        "192.0.0.192",
        "fd00:ec2::254",
    )
)
# Ranges the standard library does not call private in every Python version.
NOT_PUBLIC_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("192.0.0.0/24", "100.64.0.0/10", "198.18.0.0/15", "fec0::/10")
)
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Why a target is refused (kept in the delivery record and the server log).
REFUSED_URL = "url"
REFUSED_UNRESOLVED = "unresolved"
REFUSED_ADDRESS = "address"


class TargetRefused(DomainError):
    """The URL may not receive a webhook. `kind` is one of the REFUSED_* codes; the
    message is the technical detail (for the server log and superusers only)."""

    code = "webhook_target_refused"
    status = 422

    def __init__(self, reason: str, detail: str, *, host: str = ""):
        super().__init__(detail, field="url")
        self.kind = reason
        self.host = host


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: connect to one of `addresses`, send `host` as the Host header
    and the TLS server name."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[tuple[int, tuple], ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def allowed_hosts() -> frozenset[str]:
    """PINZHI_WEBHOOK_ALLOWED_HOSTS, normalised like a URL's host."""
    names = getattr(settings, "PINZHI_WEBHOOK_ALLOWED_HOSTS", ()) or ()
    return frozenset(_normal_host(name) for name in names if name.strip())


def _normal_host(host: str) -> str:
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if any (mapped, 6to4, NAT64,
    IPv4-compatible)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX or address in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress) -> str:
    """Why `address` may not receive a webhook ("" when it is a public address)."""
    candidates = [address]
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        candidates.append(embedded)
    for candidate in candidates:
        if candidate in METADATA_ADDRESSES:
            return "metadata"
        for name in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
            if getattr(candidate, f"is_{name}"):
                return name
        if isinstance(candidate, ipaddress.IPv6Address) and candidate.is_site_local:
            return "site_local"
        if any(candidate in network for network in NOT_PUBLIC_NETWORKS):
            return "reserved"
        if not candidate.is_global:
            return "not_global"
    return ""


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(REFUSED_URL, f"malformed URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused(REFUSED_URL, f"scheme {scheme!r} is not http or https")
    if not parts.hostname:
        raise TargetRefused(REFUSED_URL, "no host in the URL")
    host = _normal_host(parts.hostname)
    if not host or any(c in host for c in "\x00\r\n\t /\\"):
        raise TargetRefused(REFUSED_URL, "malformed host")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    if any(ord(c) < 33 or ord(c) == 127 for c in path):
        raise TargetRefused(REFUSED_URL, "control characters or spaces in the path")
    # Non-ASCII path characters (a Chinese path segment) travel percent-encoded.
    path = quote(path, safe="!#$%&'()*+,/:;=?@[]~-._")
    return scheme, host, port or DEFAULT_PORTS[scheme], path


def target_check(url: str) -> Target:
    """Resolve the URL's host once and check every address (see the module docstring).
    Raises TargetRefused; never returns a target a webhook may not reach."""
    scheme, host, port, path = _split(url)
    allowed = host in allowed_hosts()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise TargetRefused(REFUSED_UNRESOLVED, f"{host}: {error}", host=host) from None
    addresses: list[tuple[int, tuple]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        refusal = address_refusal(address)
        if refusal == "metadata" or (refusal and not allowed):
            raise TargetRefused(
                REFUSED_ADDRESS, f"{host} resolves to {address} ({refusal})", host=host
            )
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise TargetRefused(REFUSED_UNRESOLVED, f"{host}: no IPv4 or IPv6 address", host=host)
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))
