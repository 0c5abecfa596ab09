"""WhiteNoise, choosing a static file's .br/.gz variant by Accept-Encoding q-values.

WhiteNoise only looks for the word ("gzip;q=0" got gzip); the choice here is the one the page
cache makes, by pagecache.encoding.
"""

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.responders import StaticFile

from pagecache import encoding


class NegotiatedStaticFile(StaticFile):
    def get_path_and_headers(self, request_headers):
        by_coding = {}
        for _, path, headers in self.alternatives:  # smallest first
            coding = dict(headers).get("Content-Encoding", encoding.IDENTITY).lower()
            by_coding.setdefault(coding, (path, headers))
        header = request_headers.get("HTTP_ACCEPT_ENCODING")
        return by_coding[encoding.choose(header, list(by_coding))]


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def get_static_file(self, path, url, stat_cache=None):
        static_file = super().get_static_file(path, url, stat_cache)
        static_file.__class__ = NegotiatedStaticFile  # same state, our choice of variant
        return static_file
