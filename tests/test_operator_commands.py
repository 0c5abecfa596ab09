"""The operator's queue commands refuse a retry that names nothing, instead of retrying all."""

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("tasks", "Name task ids, or pass --all to retry every failed task."),
        ("mail", "Name mail ids, or pass --all to retry every failed mail."),
    ],
)
def test_a_retry_naming_nothing_is_refused_with_the_way_out(command, message):
    with pytest.raises(CommandError, match=message):
        call_command(command, "retry", stdout=io.StringIO())


@pytest.mark.parametrize("command", ["tasks", "mail"])
def test_a_retry_of_ids_that_are_not_failed_retries_none(command):
    out = io.StringIO()
    call_command(
        command,
        "retry",
        "00000000-0000-0000-0000-000000000000" if command == "tasks" else "424242",
        stdout=out,
    )
    assert out.getvalue().strip() == f"0 {'task' if command == 'tasks' else 'mail'}(s) queued again"
