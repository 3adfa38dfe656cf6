from cryptopulse.celery import app


def test_celery_is_configured_for_safe_json_work_on_named_queues():
    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.timezone == "UTC"
    assert conf.enable_utc
    assert conf.task_acks_late
    assert conf.worker_prefetch_multiplier == 1
    assert [queue.name for queue in conf.task_queues] == ["default", "bots", "screening", "reports"]
    assert conf.task_default_queue == "default"
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    # Celery's Django fixup reads this name; without it every task reopens its DB connection
    assert conf.get("CELERY_DB_REUSE_MAX") == 1000


def test_task_routes_send_each_family_to_its_queue():
    router = app.amqp.router
    assert router.route({}, "trading.tick_bot")["queue"].name == "bots"
    assert router.route({}, "compliance.screen_user")["queue"].name == "screening"
    assert router.route({}, "compliance.generate_report_sar")["queue"].name == "reports"
    assert router.route({}, "monitoring.ping")["queue"].name == "default"
