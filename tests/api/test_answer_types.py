"""The API's response models and the domain's typed answers name the same fields."""

from typing import get_args

import pytest
from pydantic import BaseModel

from api import models
from registry import answers, transparency
from registry.projections.audit import AuditEvent
from registry.projections.feed import FeedItem
from registry.rules.levels import EvaluationDoc
from registry.rules.lifecycle import Status
from registry.rules.values import HolderDoc, SiteDoc

PAIRS: list[tuple[type[BaseModel], type]] = [
    (models.CertificateOut, answers.Answer),
    (models.HolderOut, HolderDoc),
    (models.SiteOut, SiteDoc),
    (models.ScopeOut, answers.ScopeDoc),
    (models.SuspensionOut, answers.SuspensionAnswer),
    (models.RevocationOut, answers.RevocationAnswer),
    (models.Evaluation, EvaluationDoc),
    (models.EventOut, AuditEvent),
    (models.FeedItemOut, FeedItem),
    (models.CheckpointOut, transparency.Checkpoint),
    (models.InclusionOut, transparency.Inclusion),
    (models.ReceiptOut, transparency.Receipt),
]


@pytest.mark.parametrize(("model", "typed"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_response_model_fields_are_the_typed_answers_keys(
    model: type[BaseModel], typed: type
) -> None:
    assert set(model.model_fields) == set(typed.__annotations__)


def test_the_statuses_answered_are_the_lifecycles_and_superseded() -> None:
    declared = get_args(models.CertificateOut.model_fields["status"].annotation)

    assert declared == (*(status.value for status in Status), answers.SUPERSEDED)
