"""Content negotiation on Accept-Encoding (RFC 9110, section 12.5.3), with q-values.

The one parser every compressed answer consults: the page cache's stored gzip variants and the
static files (config.middleware.StaticFilesMiddleware). A coding is acceptable when the header
gives it (or `*`, for codings it does not name) a q-value above 0; `identity` is acceptable
unless refused by `identity;q=0` or by `*;q=0` without naming it. No header, or an empty one,
asks for the plain bytes. We never answer 406: when nothing offered is acceptable, the plain
bytes go out (RFC 9110 allows it).
"""

import functools
import re

IDENTITY = "identity"
ALIASES = {"x-gzip": "gzip", "x-compress": "compress"}
MAX_LENGTH = 1000  # longer headers are read this far
MAX_ITEMS = 32
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def _qvalue(text):
    """An RFC 9110 qvalue ("0" to "1" with up to three decimals), else None."""
    text = text.strip()
    return float(text) if QVALUE.fullmatch(text) else None


@functools.lru_cache(maxsize=256)
def parse(header):
    """{coding: q} from an Accept-Encoding value, codings in lower case (`*` included).

    An element with a malformed q-value counts as refused (q=0): when in doubt, send plain.
    """
    weights = {}
    for item in header[:MAX_LENGTH].split(",")[:MAX_ITEMS]:
        coding, *params = item.split(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        coding = ALIASES.get(coding, coding)
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _qvalue(value)
                q = 0.0 if q is None else q
        weights[coding] = min(q, weights.get(coding, q))  # a repeated coding: the stricter
    return weights


def quality(header, coding):
    """How much the client accepts `coding` (0 = refused) under this Accept-Encoding value."""
    if header is None:
        return 1.0 if coding == IDENTITY else 0.0
    weights = parse(header)
    if coding in weights:
        return weights[coding]
    if "*" in weights:
        return weights["*"]
    return 1.0 if coding == IDENTITY else 0.0


def choose(header, offered):
    """The coding to send among `offered` (best first on the server's side).

    The client's highest q-value wins, ties going to the earlier offer; `identity` (the plain
    bytes) wins only when the client names it with a higher q-value than every coding offered,
    or when none is acceptable. Codings are lower case."""
    best, best_q = IDENTITY, 0.0
    for coding in offered:
        if coding != IDENTITY:
            q = quality(header, coding)
            if q > best_q:
                best, best_q = coding, q
    if best != IDENTITY and header is not None:
        named = parse(header).get(IDENTITY)
        if named is not None and named > best_q:
            return IDENTITY
    return best


def accepts(header, coding):
    """Whether `coding` may be sent rather than the plain bytes."""
    return choose(header, (coding,)) == coding
