"""Ship a model as a migration: register and activate a PMML file; downgrade restores the old one.

A revision that ships a model keeps its PMML under `migrations/models/` and pins its sha256:

    from model_ops import ShippedModel
    MODEL = ShippedModel("gbdt-2026-11.pmml", "<sha256 of the file>", name="gbdt-2026-11")

    def upgrade() -> None:
        MODEL.activate()

    def downgrade() -> None:
        MODEL.deactivate()

Upgrade registers the document through churn.register_model (so the verification gate runs
inside PostgreSQL), unless that exact document is already registered, and activates it.
Downgrade re-activates the model that was active before (from churn.model_audit), or leaves no
model active if there was none. Online mode only: registration must run in the database.
Keep this module backwards compatible.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
from alembic import op

MODELS = Path(__file__).resolve().parent / "models"

FIND = sa.text("SELECT model_id FROM churn.model WHERE pmml_sha256 = :sha")
REGISTER = sa.text("SELECT churn.register_model(:pmml, :name)")
ACTIVATE = sa.text("SELECT churn.activate_model(:model_id)")
PREVIOUS = sa.text(
    "SELECT previous_model_id FROM churn.model_audit"
    " WHERE model_id = :model_id AND action = 'activate' ORDER BY audit_id DESC LIMIT 1"
)
DEACTIVATE = sa.text(
    "UPDATE churn.model SET status = 'registered' WHERE model_id = :model_id AND status = 'active'"
)


class ShippedModel:
    """A PMML file shipped with a revision, pinned by its sha256."""

    def __init__(self, filename: str, sha256: str, *, name: str) -> None:
        """Name the file under migrations/models/ and pin its content."""
        self.path = MODELS / filename
        self.sha256 = sha256
        self.name = name

    def text(self) -> str:
        """The document, verified against the pinned sha256."""
        data = self.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise RuntimeError(f"{self.path.name} does not match the sha256 its revision pins")
        return data.decode("utf-8")

    def model_id(self) -> int | None:
        """The registry id of this document, if registered."""
        row = op.get_bind().execute(FIND, {"sha": self.sha256}).first()
        return None if row is None else int(row[0])

    def activate(self) -> int:
        """Register (through the gate) unless registered, then activate; returns the model_id."""
        bind = op.get_bind()
        model_id = self.model_id()
        if model_id is None:
            model_id = int(
                bind.execute(REGISTER, {"pmml": self.text(), "name": self.name}).scalar_one()
            )
        bind.execute(ACTIVATE, {"model_id": model_id})
        return model_id

    def deactivate(self) -> None:
        """Re-activate the model that was active before this one (or none)."""
        bind = op.get_bind()
        model_id = self.model_id()
        if model_id is None:
            return
        previous = bind.execute(PREVIOUS, {"model_id": model_id}).scalar()
        if previous is not None:
            bind.execute(ACTIVATE, {"model_id": previous})
        else:
            bind.execute(DEACTIVATE, {"model_id": model_id})
