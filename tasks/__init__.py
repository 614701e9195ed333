"""Prefect tasks: thin, named wrappers of the core's per-model work (``govern.pipeline``) and of publishing the
night (``govern.night`` writes the summary; the artifact is Prefect's).

Run names carry the model and night (``load-loan_approval_us-2026-10-18``) so the Prefect UI reads as the
runbook does. Only I/O retries; nothing here caches on its inputs (``NO_CACHE``: the inputs are DataFrames and
hashing them costs more than the work).
"""
