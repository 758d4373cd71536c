"""The in-bot scheduler: jobs derived from the configuration with deterministic names."""

from __future__ import annotations

from pathlib import Path

from bot.app import ARCHIVE_JOB, MEMORY_JOB, build_application, build_reminder_service
from bot.config import Settings
from bot.runtime import build_runtime
from reminders.complaints import JOB_NAME as COMPLAINTS_JOB
from reminders.ptb import HOUSEKEEPING_JOB, TICK_JOB, PtbMessenger, install
from reminders.rectifications import JOB_NAME as RECTIFICATIONS_JOB
from tests.conftest import TEST_KEY


async def test_installing_twice_leaves_one_job_per_name(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        token="1:TEST",
        data_dir=tmp_path,
        id_hash_key=TEST_KEY,
        reminder_schedule="firm=20@10,urgent=-3@16",
    )
    runtime = build_runtime(settings)
    app = build_application(settings, runtime)
    service = build_reminder_service(runtime, PtbMessenger(app))
    assert app.job_queue is not None
    await app.job_queue.start()
    try:
        first = install(app, service, interval=60)
        second = install(app, service, interval=60)
        assert (
            first == second == ["reminders:firm", "reminders:urgent", TICK_JOB, HOUSEKEEPING_JOB]
        )
        # Removed before added: four jobs, not eight (beside the other features' own jobs).
        live = [j.name for j in app.job_queue.jobs()]
        assert sorted(live) == sorted(
            [*first, COMPLAINTS_JOB, RECTIFICATIONS_JOB, ARCHIVE_JOB, MEMORY_JOB]
        )
        hours = {j.name: j.next_t.astimezone(settings.tz).hour for j in app.job_queue.jobs()}
        assert hours["reminders:urgent"] == 16 and hours[HOUSEKEEPING_JOB] == 3
    finally:
        await app.job_queue.stop(wait=False)
        await runtime.engine.dispose()
