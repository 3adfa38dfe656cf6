import pytest
from django.core.management import CommandError, call_command


def test_roundtrip_fails_clearly_when_no_worker_serves_the_queue():
    # no worker fixture, and no worker listens on this queue: the command must time out
    with pytest.raises(CommandError, match="no worker answered on queue 'nobody-listens'"):
        call_command("celery_roundtrip", "--queue", "nobody-listens", "--timeout", "1")
