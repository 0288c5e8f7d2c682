"""`registry db harden`: the event table refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE),
so the serving role can only append."""

from registry.application import Registry
from registry.errors import InvalidInput

REFUSAL = "the event log is append-only (registry db harden)"
POSTGRES = [
    "CREATE OR REPLACE FUNCTION registry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
    "CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION registry_append_only()",
    "CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_append_only()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC",
]
SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {{table}}_no_{action} BEFORE {action} ON {{table}} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    for action in ("UPDATE", "DELETE")
]


def harden(registry: Registry) -> str:
    """Install the triggers (idempotent); returns the table they guard."""
    table = getattr(registry.recorder, "events_table_name", None)
    if not isinstance(table, str):
        raise InvalidInput("an in-memory store has no event table to harden")
    statements = POSTGRES if registry.views.postgres else SQLITE
    with registry.views.transaction() as cursor:
        for statement in statements:
            cursor.execute(statement.replace("{table}", table))
    return table
