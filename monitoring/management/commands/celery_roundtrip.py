import json
import time
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError

from monitoring.tasks import ping


class Command(BaseCommand):
    help = "Send a task through the broker to a worker and wait for its answer."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait")
        parser.add_argument("--queue", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        sent_at = time.time()
        result = ping.apply_async(args=(sent_at,), queue=options["queue"])
        try:
            answer = result.get(timeout=options["timeout"])
        except CeleryTimeout as exc:
            raise CommandError(
                f"no worker answered on queue {options['queue']!r} within {options['timeout']:.0f}s"
            ) from exc
        if answer.get("sent_at") != sent_at:
            raise CommandError(f"the worker answered something else: {answer!r}")
        elapsed_ms = (time.time() - sent_at) * 1000
        self.stdout.write(json.dumps({"task_id": result.id, "round_trip_ms": round(elapsed_ms, 1)}))
