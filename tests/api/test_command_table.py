"""The HTTP command table, the aggregate's methods and the lifecycle table cannot drift apart."""

import inspect

import pytest
from pydantic import BaseModel

from api.routes.commands import COMMANDS
from registry.aggregates.certificate import Certificate
from registry.rules.lifecycle import COMMAND_NAMES, CommandName


@pytest.mark.parametrize(("path", "name", "body", "summary"), COMMANDS)
def test_request_fields_are_the_aggregate_methods_keyword_parameters(
    path: str, name: CommandName, body: type[BaseModel], summary: str
) -> None:
    parameters = inspect.signature(getattr(Certificate, name)).parameters
    keywords = {p for p, d in parameters.items() if d.kind is inspect.Parameter.KEYWORD_ONLY}

    assert set(body.model_fields) == keywords - {"stamp"}


def test_every_lifecycle_command_has_one_route() -> None:
    assert sorted(name for _, name, _, _ in COMMANDS) == sorted(COMMAND_NAMES)
