"""The demo fleet: 26 production models over seven business units, in a fixed order.

Each model is one ``ModelSpec`` in its business unit's module under ``demo.models``: its population
(realistic features per domain), its ground truth, its registered versions and, for the six incident models,
the hooks that change specific nights (``demo.incidents`` says what a correct pipeline should find). Healthy
models draw every night from their reference population with fresh random draws and keep one version all month.

The build's summary and its marker list the models in this order.
"""

from __future__ import annotations

from demo.models import consumer_lending, credit_risk, customer, hr, insurance, operations, payments_risk
from demo.spec import ModelSpec

FLEET: tuple[ModelSpec, ...] = (
    *consumer_lending.MODELS,
    *payments_risk.MODELS,
    *customer.MODELS,
    *hr.MODELS,
    *credit_risk.MODELS,
    *insurance.MODELS,
    *operations.MODELS,
)
"""Every model of the demo fleet, in the order the business units are listed."""
