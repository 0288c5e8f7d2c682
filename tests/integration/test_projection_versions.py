"""Each read model carries its own version: a change to one rebuilds only that one."""

from registry.application import Registry
from tests.examples import issue_request

ACTOR = "registrar-alice"


def test_raising_one_projections_version_rebuilds_only_that_one(registry: Registry) -> None:
    registry.issue(actor=ACTOR, **issue_request())
    head = registry.recorder.max_notification_id()
    feed = next(p for p in registry.projector.projections if p.name == "regulator_feed")
    feed.version += 1

    registry.projector.create_tables()

    assert registry.projector.positions() == {
        "certificates": head,
        "regulator_feed": 0,
        "audit": head,
    }
    assert registry.views.query("SELECT COUNT(*) FROM regulator_feed") == [(0,)]


def test_read_models_of_the_single_schema_version_are_all_rebuilt(registry: Registry) -> None:
    registry.issue(actor=ACTOR, **issue_request())
    with registry.views.transaction() as cursor:  # the layout before versions per projection
        cursor.execute("DROP TABLE projection_versions")
        cursor.execute("CREATE TABLE projection_schema (version INTEGER NOT NULL)")
        cursor.execute("INSERT INTO projection_schema VALUES (3)")

    registry.projector.create_tables()

    assert set(registry.projector.positions().values()) == {0}
    assert not registry.views.has_table("projection_schema")
