"""The read side: projections of the event store, each exactly once and rebuildable.

Each read model is one module here: its projection (tables, version, `process`) and its
queries object. A new read model is a module with both and one entry in `PROJECTIONS`.
"""

from registry.projections.audit import AuditProjection
from registry.projections.certificates import CertificatesProjection
from registry.projections.feed import FeedProjection

PROJECTIONS = (CertificatesProjection, FeedProjection, AuditProjection)
