"""Loaded into the Streamlit server under test: records every attempt to reach another host.

Any connection or name lookup for an address off this machine is appended to the file named
by SITREP_OFFLINE_LOG and refused, so the test sees it and nothing leaves the machine.
"""

import ipaddress
import os
import socket

_LOG = os.environ.get("SITREP_OFFLINE_LOG")
_LOCAL_NAMES = {"localhost", "", None}


def _is_local(host) -> bool:
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback or str(host) in ("0.0.0.0", "::")
    except ValueError:
        return False


def _record(what: str) -> None:
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(what + "\n")


if _LOG:
    _connect = socket.socket.connect
    _getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            _record(f"connect {address!r}")
            raise OSError("offline guard: connection off the machine refused")
        return _connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host if not isinstance(host, bytes) else host.decode()):
            _record(f"lookup {host!r}")
            raise socket.gaierror("offline guard: name lookup refused")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo
