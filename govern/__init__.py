"""Model governance for a fleet of production ML models.

``govern`` is the pure core: configuration, statistics (drift, fairness, policy judgement), result types and
the adapters to Great Expectations, NannyML and MLflow (imported lazily, inside the functions that use them).
It never imports Prefect; ``tasks/`` and ``flows/`` wrap it for orchestration.
"""

__version__ = "0.1.0"
