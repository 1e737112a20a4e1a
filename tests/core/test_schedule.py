"""The workers' clock enqueues the sweeper once a minute, however many workers run."""

from backoffice.core import schedule
from backoffice.core.jobs import queue
from backoffice.core.redis import connect


def test_only_the_first_worker_to_ask_in_a_period_enqueues(app):
    connection = connect(app.extensions["settings"].redis_url)
    func = "backoffice.notifications.jobs.sweep"
    assert schedule.due_now(connection, func, 60, now=6_000)
    assert not schedule.due_now(connection, func, 60, now=6_030)
    assert schedule.due_now(connection, func, 60, now=6_060)


def test_a_tick_from_two_workers_queues_each_periodic_job_once(app):
    connection = connect(app.extensions["settings"].redis_url)
    schedule.tick(app, connection)
    schedule.tick(app, connection)
    jobs = queue(app).get_jobs()
    assert sorted(job.func_name for job in jobs) == [
        "backoffice.letters.jobs.annual_cycle", "backoffice.letters.jobs.sla_reminders",
        "backoffice.letters.jobs.sweep",
        "backoffice.notifications.jobs.sweep"]
