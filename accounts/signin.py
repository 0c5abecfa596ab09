"""Whose failed sign-ins count together: the network a request comes from (django-axes)."""

import ipaddress

IPV6_NETWORK_PREFIX = 64  # one IPv6 subscriber usually holds a whole /64


def client_network(request):
    """The address that failed sign-ins are counted and locked by (AXES_CLIENT_IP_CALLABLE).

    An IPv4 address stands for itself; an IPv6 address for its /64 (written as the network's
    first address), since one subscriber can take a fresh address from their /64 for every
    guess. REMOTE_ADDR is the reader's address already (config.middleware, behind our proxy).
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(remote.strip())
    except ValueError:
        return remote or None
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        network = ipaddress.IPv6Network((address, IPV6_NETWORK_PREFIX), strict=False)
        return str(network.network_address)
    return str(address)
