"""Prefect tasks: one named, thin task per model and stage, wrapping the pure stages of ``govern.pipeline``.

Run names carry the model and night (``drift-loan_approval_us-2026-10-18``) so the Prefect UI reads as the
runbook does. Only I/O retries; nothing here caches on its inputs (``NO_CACHE``: the inputs are DataFrames and
hashing them costs more than the work).
"""
