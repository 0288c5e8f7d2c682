"""The read side: exactly once, resumable after kill -9, rebuildable, equal to a replay."""

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from registry.answers import answer, facts
from registry.application import Registry, open_registry
from registry.projections.feed import feed_page
from registry.settings import Settings
from registry.tokens import create_token
from tests.conftest import Clock
from tests.examples import issue_request
from tests.history import build_history, dump

ACTOR = "registrar-alice"


def test_projections_match_a_replay_from_zero(registry: Registry) -> None:
    build_history(registry, 40)

    registry.projector.catch_up()

    head = registry.recorder.max_notification_id()
    rows = registry.views.query("SELECT registration_no, facts FROM certificates")
    assert len(rows) == 40
    for registration, stored in rows:
        replayed = registry.certificate_as_of(registration, date(9999, 12, 31))
        assert replayed is not None
        assert json.loads(stored) == facts(replayed)
    positions = [row[0] for row in registry.views.query("SELECT position FROM audit_events")]
    assert sorted(positions) == list(range(1, (head or 0) + 1))


def test_rebuild_gives_identical_rows(registry: Registry) -> None:
    build_history(registry, 30)
    registry.projector.catch_up()
    before = dump(registry)

    registry.projector.rebuild()

    assert dump(registry) == before
    assert all(status.lag == 0 for status in registry.projector.status())


def index_names(registry: Registry) -> list[str]:
    if registry.views.postgres:
        rows = registry.views.query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        )
    else:
        rows = registry.views.query("SELECT name FROM sqlite_master WHERE type = 'index'")
    return sorted(str(row[0]) for row in rows)


def test_a_rebuild_makes_again_every_index_it_dropped(registry: Registry) -> None:
    build_history(registry, 20)
    registry.projector.catch_up()
    before = dump(registry), index_names(registry), registry.projector.positions()

    registry.projector.rebuild()

    assert (dump(registry), index_names(registry), registry.projector.positions()) == before
    assert "audit_actor" in before[1]
    # Its versions are recorded again: a new process starting on it runs no DDL and rebuilds
    # nothing.
    assert registry.views.query("SELECT name, version FROM projection_versions ORDER BY name") == [
        (p.name, p.version) for p in sorted(registry.projector.projections, key=lambda p: p.name)
    ]


DYING_REBUILD = """
import os, signal
from registry.application import open_registry
from registry.projections.runner import Projector
from registry.settings import Settings

apply = Projector._apply

def apply_then_die(self, batch, expected):
    apply(self, batch, expected)
    os.kill(os.getpid(), signal.SIGKILL)  # the first batch of the rebuild is written

registry = open_registry(Settings(projector="external"))
registry.projector.batch_size = 20
Projector._apply = apply_then_die
registry.projector.rebuild()
"""


def test_a_rebuild_killed_half_way_is_done_again_at_the_next_start(
    durable_database_url: str, clock: Clock
) -> None:
    with open_registry(Settings(database_url=durable_database_url), clock=clock) as registry:
        build_history(registry, 30)
        registry.projector.catch_up()
        before = dump(registry), index_names(registry)
    env = {**os.environ, "REGISTRY_DATABASE_URL": durable_database_url}
    rebuild = subprocess.run(
        [sys.executable, "-c", DYING_REBUILD], env=env, stderr=subprocess.PIPE, timeout=120
    )
    assert rebuild.returncode == -signal.SIGKILL, rebuild.stderr.decode()[-2000:]

    with open_registry(Settings(database_url=durable_database_url), clock=clock) as registry:
        assert (dump(registry), index_names(registry)) == before


def test_rebuilding_one_projection_leaves_the_others(registry: Registry) -> None:
    build_history(registry, 10)
    registry.projector.catch_up()
    before = dump(registry)

    registry.projector.rebuild("regulator_feed")

    assert dump(registry) == before


def test_unknown_projection_cannot_be_rebuilt(registry: Registry) -> None:
    with pytest.raises(ValueError, match="no projection"):
        registry.projector.rebuild("nope")


def test_command_answers_are_in_the_read_model_when_it_returns(registry: Registry) -> None:
    answer = registry.issue(actor=ACTOR, **issue_request())

    assert registry.certificates.facts(answer["registration_no"]) is not None


def test_external_projector_gives_read_your_writes(durable_database_url: str, clock: Clock) -> None:
    settings = Settings(database_url=durable_database_url)
    stop = threading.Event()
    with open_registry(settings, clock=clock) as projecting:
        worker = threading.Thread(target=projecting.projector.run_forever, args=(stop, 0.01))
        worker.start()
        try:
            external = Settings(database_url=durable_database_url, projector="external")
            with open_registry(external, clock=clock) as api:
                answer = api.issue(actor=ACTOR, **issue_request())

                assert api.certificates.facts(answer["registration_no"]) is not None
        finally:
            stop.set()
            worker.join()


def test_today_answer_from_the_read_model_equals_the_replayed_one(registry: Registry) -> None:
    build_history(registry, 15)
    registry.projector.catch_up()

    for (registration,) in registry.views.query("SELECT registration_no FROM certificates"):
        from_view = registry.verify(number=registration)
        replayed = registry.certificate_as_of(registration, registry.today())
        assert replayed is not None
        assert from_view == answer(facts(replayed), registry.today())


def test_regulator_feed_pages_never_miss_or_repeat(registry: Registry) -> None:
    build_history(registry, 12)
    registry.projector.catch_up()
    everything, _ = feed_page(registry.views, 0, 1000)

    seen: list[int] = []
    cursor = 0
    while True:
        items, cursor = feed_page(registry.views, cursor, 3)
        if not items:
            break
        seen.extend(item["position"] for item in items)

    assert seen == [item["position"] for item in everything]
    assert len(set(seen)) == len(seen)
    assert {item["type"] for item in everything} >= {"Issued", "Suspended", "Restored", "Revoked"}
    suspended = next(item for item in everything if item["type"] == "Suspended")
    assert suspended["reason_text"] == "发现获证组织服务持续地或严重地不满足认证要求"


def _positions(registry: Registry) -> dict[str, int]:
    return registry.projector.positions()


# The projector in a process that kills itself (SIGKILL, as the OOM killer or kill -9 would)
# inside the transaction of its tenth batch, after one projection has written its rows: a
# crash at a known point, not one raced against a poll.
DYING_PROJECTOR = """
import os, signal, sys
from registry.cli import main
from registry.projections.runner import Projector

apply = Projector._apply
batches = 0

def apply_then_die_in_the_tenth(self, batch, expected):
    global batches
    batches += 1
    if batches == 10:
        last = self.projections[-1]
        process = last.process
        def process_then_die(cursor, batch):
            process(cursor, batch)
            os.kill(os.getpid(), signal.SIGKILL)
        last.process = process_then_die
    apply(self, batch, expected)

Projector._apply = apply_then_die_in_the_tenth
sys.exit(main(["project", "--batch", "20", "--interval", "0.01"]))
"""


def test_killing_the_projector_mid_catch_up_loses_and_repeats_nothing(
    durable_database_url: str, clock: Clock, tmp_path: object
) -> None:
    external = Settings(database_url=durable_database_url, projector="external")
    with open_registry(external, clock=clock) as registry:
        build_history(registry, 600)
        head = registry.recorder.max_notification_id() or 0
        env = {
            **os.environ,
            "REGISTRY_DATABASE_URL": durable_database_url,
            "REGISTRY_PROJECTOR": "external",  # no catch-up in one big batch at start
        }
        projector = subprocess.run(
            [sys.executable, "-c", DYING_PROJECTOR],
            env=env,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        killed_at = _positions(registry)

        registry.projector.catch_up()
        resumed = dump(registry)
        registry.projector.rebuild()

        assert projector.returncode == -signal.SIGKILL
        nine_batches = registry.recorder.select_notifications(start=1, limit=9 * 20)
        assert set(killed_at.values()) == {nine_batches[-1].id}  # the tenth batch is lost
        assert resumed == dump(registry)
        assert len(resumed["audit_events"]) == head


def test_a_command_with_no_projector_running_answers_and_says_the_reads_lag(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """External projection and no `registry project`: the command is stored and answered
    after the bounded wait, and the log says why reads do not show it yet."""
    external = Settings(database_url=f"sqlite:///{tmp_path}/r.sqlite", projector="external")
    with open_registry(external, clock=clock) as registry:
        with caplog.at_level(logging.WARNING, logger="registry.application"):
            answer = registry.issue(actor=ACTOR, **issue_request())

        assert answer["status"] == "valid"
        assert registry.certificates.facts(answer["registration_no"]) is None
        assert "is `registry project` running?" in caplog.text


def test_a_sweep_with_an_external_projector_leaves_the_read_models_to_it(
    durable_database_url: str, clock: Clock
) -> None:
    """`registry project` is the read models' only writer. A server's start-up sweep (the
    first tick of its maintenance thread) used to project whatever it found unprojected:
    the flake of `test_readyz_is_503_while_a_read_model_lags_beyond_the_bound`, whose
    server, started late on a loaded machine, projected the event the test had just added."""
    external = Settings(database_url=durable_database_url, projector="external")
    with open_registry(external, clock=clock) as registry:
        create_token(registry, name="late", role="auditor")  # stored, not projected
        before = _positions(registry)

        registry.sweep()

        assert _positions(registry) == before
        assert all(s.lag > 0 for s in registry.projector.status())
