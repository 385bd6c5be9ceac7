"""The ``fetch_allow_hosts`` allow-list read into values: no network code here.

A value module the settings and the fetcher share: :mod:`midweek.settings` reads every
entry when the settings load (a bad entry fails there, not mid-run) and
:mod:`midweek.fetch` asks the entries whether a private address or a local name may be
fetched. It lived in ``fetch`` until issue 14 item 3: settings must not import the network.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from midweek.errors import ConfigError

__all__ = [
    "ALLOW_SETTING",
    "DEFAULT_ALLOW_PORTS",
    "HOST_LABEL",
    "MAX_HOST_LENGTH",
    "AllowEntry",
    "normalise_host",
    "parse_allow_entry",
    "parse_allow_hosts",
]

# RFC 1035: a host name is at most 253 characters in text form.
MAX_HOST_LENGTH = 253
# An allow-list entry without a port opens the ports of http and https only (RFC 9110
# sec. 4.2): "127.0.0.1" once opened every port, PostgreSQL's 5432 included (issue 11).
DEFAULT_ALLOW_PORTS = frozenset({80, 443})
_ALLOW_BRACKETED = re.compile(r"^\[([^\]]+)\](?::([0-9]{1,5}))?$")
# The name of the setting a refused private address can be opened with (said in errors).
ALLOW_SETTING = "fetch_allow_hosts"
# One label of a host name (RFC 1035 letters, digits and hyphens, and the underscore
# real hosts use).
HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def normalise_host(host: str) -> str:
    """Lower-case a host name and drop one trailing root dot."""
    host = host.lower()
    return host[:-1] if host.endswith(".") else host


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One parsed ``fetch_allow_hosts`` entry: a host name or a network, and its ports."""

    name: str  # a normalised host name, or "" for a network entry
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    ports: frozenset[int]

    def allows(self, host: str, ip: str, port: int) -> bool:
        """Tell whether a connection to ``ip`` (from ``host``) on ``port`` is allowed."""
        if port not in self.ports:
            return False
        if self.network is None:
            return normalise_host(host) == self.name
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return addr.version == self.network.version and addr in self.network


def _bad_entry(entry: str, why: str) -> ConfigError:
    """The ConfigError of an allow-list entry that cannot be read."""
    return ConfigError(
        f"{ALLOW_SETTING}: cannot read the entry {entry!r} ({why}); use a host name, an IP "
        "address or a CIDR network, optionally with :port, e.g. intranet.example:8080, "
        "10.0.0.0/8, [::1]:8080"
    )


def _entry_port(entry: str, text: str | None) -> frozenset[int]:
    """The ports an entry opens: the one it names, else those of http and https."""
    if text is None:
        return DEFAULT_ALLOW_PORTS
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise _bad_entry(entry, f"port {text!r} is not 1 to 65535")
    return frozenset({int(text)})


def parse_allow_entry(entry: str) -> AllowEntry:
    """Read one ``fetch_allow_hosts`` entry.

    Args:
        entry: ``host``, ``host:port``, an IPv4/IPv6 address or CIDR network, ``ip:port``
            (IPv4) or ``[v6]:port`` / ``[v6/prefix]:port``.

    Returns:
        The entry; without a port it opens ports 80 and 443 only.

    Raises:
        ConfigError: the entry is empty, has a bad port, or is neither a host name nor
            an address or network.
    """
    text = entry.strip()
    if not text:
        raise _bad_entry(entry, "it is empty")
    bracketed = _ALLOW_BRACKETED.match(text)
    if bracketed:
        address, port = bracketed.group(1), bracketed.group(2)
        try:
            net = ipaddress.IPv6Network(address, strict=False)
        except ValueError:
            raise _bad_entry(entry, "not an IPv6 address inside the brackets") from None
        return AllowEntry("", net, _entry_port(entry, port))
    try:
        return AllowEntry("", ipaddress.ip_network(text, strict=False), DEFAULT_ALLOW_PORTS)
    except ValueError:
        pass
    host, port = text, None
    if text.count(":") == 1:
        host, port = text.split(":")
    elif ":" in text:
        raise _bad_entry(entry, "an IPv6 address with a port needs brackets: [::1]:8080")
    ports = _entry_port(entry, port)
    try:
        return AllowEntry("", ipaddress.ip_network(host, strict=False), ports)
    except ValueError:
        pass
    name = normalise_host(host)
    labels = name.split(".")
    if len(name) > MAX_HOST_LENGTH or not all(HOST_LABEL.match(label) for label in labels):
        raise _bad_entry(entry, "not a host name, address or network")
    return AllowEntry(name, None, ports)


@functools.lru_cache(maxsize=64)
def parse_allow_hosts(entries: tuple[str, ...]) -> tuple[AllowEntry, ...]:
    """Read every allow-list entry (cached: the policy's tuple is checked per connection).

    Raises:
        ConfigError: an entry cannot be read.
    """
    return tuple(parse_allow_entry(e) for e in entries)
