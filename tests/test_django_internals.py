"""The private Django state Byline relies on, pinned: these fail loudly when Django changes it.

Each use carries a comment where it is made (pagecache/middleware.py, pagecache/invalidation.py).
"""

import pytest
from django.db import connection, transaction
from django.http import HttpResponse


def test_response_headers_keep_a_lower_case_map_of_name_value_pairs():
    response = HttpResponse("x")
    response["X-Custom-Header"] = "value"
    store = response.headers._store
    assert isinstance(store, dict)
    assert store["x-custom-header"] == ("X-Custom-Header", "value")
    # What the page cache does when it serves a stored page: replace the map whole.
    response.headers._store = {"etag": ("ETag", '"abc"')}
    assert response["ETag"] == '"abc"' and "X-Custom-Header" not in response


@pytest.mark.django_db(transaction=True)
def test_on_commit_callbacks_are_visible_with_their_savepoints():
    def callback():
        pass

    with transaction.atomic():
        transaction.on_commit(callback)
        with transaction.atomic():
            here = set(connection.savepoint_ids) - {None}
            assert here, "an inner atomic block has a savepoint id"
        entries = list(connection.run_on_commit)
        assert len(entries) == 1
        sids, func, robust = entries[0]
        assert func is callback and isinstance(sids, set) and robust is False
