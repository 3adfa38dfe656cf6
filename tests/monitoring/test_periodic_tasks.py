import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from monitoring.periodic import PERIODIC_TASKS, PeriodicSpec
from monitoring.services import MANAGED_MARK, sync_periodic_tasks

SPEC = PeriodicSpec(name="test: every minute", task="monitoring.record_beat", every_seconds=60)


@pytest.mark.django_db
def test_sync_creates_each_declared_task_enabled():
    result = sync_periodic_tasks(specs=(SPEC,))
    task = PeriodicTask.objects.get(name=SPEC.name)
    assert result.created == [SPEC.name]
    assert task.enabled
    assert task.task == "monitoring.record_beat"
    assert task.interval.every == 60
    assert task.queue == "default"
    assert task.expire_seconds == 55


@pytest.mark.django_db
def test_sync_twice_has_the_effect_of_once():
    sync_periodic_tasks(specs=(SPEC,))
    result = sync_periodic_tasks(specs=(SPEC,))
    assert result.created == []
    assert result.updated == [SPEC.name]
    assert PeriodicTask.objects.filter(name=SPEC.name).count() == 1


@pytest.mark.django_db
def test_sync_keeps_a_task_that_an_admin_disabled_disabled():
    sync_periodic_tasks(specs=(SPEC,))
    PeriodicTask.objects.filter(name=SPEC.name).update(enabled=False)
    changed = PeriodicSpec(name=SPEC.name, task=SPEC.task, every_seconds=120)
    sync_periodic_tasks(specs=(changed,))
    task = PeriodicTask.objects.get(name=SPEC.name)
    assert not task.enabled
    assert task.interval.every == 120


@pytest.mark.django_db
def test_sync_removes_tasks_dropped_from_code_but_not_hand_made_ones():
    sync_periodic_tasks(specs=(SPEC,))
    hand_made = PeriodicTask.objects.create(
        name="made in admin",
        task="monitoring.record_beat",
        interval=PeriodicTask.objects.get().interval,
    )
    result = sync_periodic_tasks(specs=())
    assert result.removed == [SPEC.name]
    assert list(PeriodicTask.objects.values_list("name", flat=True)) == [hand_made.name]


@pytest.mark.django_db
def test_the_command_syncs_the_declared_schedule(capsys):
    call_command("sync_periodic_tasks")
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert names == {spec.name for spec in PERIODIC_TASKS}
    assert all(task.description.startswith(MANAGED_MARK) for task in PeriodicTask.objects.all())
    assert f"{len(PERIODIC_TASKS)} created" in capsys.readouterr().out
