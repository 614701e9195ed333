"""The project's exceptions: one root, caught by meaning.

Every message names what was wrong and where, in one form: "<where>: X must be ...; got ... instead".
A threshold breach is never an exception: it is a finding (data), see ``govern.results.Finding``.
"""

from __future__ import annotations


class GovernanceError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(GovernanceError):
    """A configuration file is missing, malformed or inconsistent (names the file and the field path)."""


class DataError(GovernanceError):
    """A data set cannot be used: missing file, missing column, wrong type, empty, all null."""


class RegistryError(GovernanceError):
    """The model registry cannot answer: unknown model, missing alias or version."""


class EstimationError(GovernanceError):
    """Performance estimation or calculation could not run on the data given."""


class ValidationSuiteError(GovernanceError):
    """A Great Expectations suite is missing or malformed."""


class ResultError(GovernanceError):
    """A stored result cannot be read: missing, not JSON, or not of this schema version."""


class IncidentStoreError(GovernanceError):
    """The incident database cannot be used: unreachable, locked by another process, or not migrated."""


class ContainmentError(GovernanceError):
    """A containment action cannot be carried out (no safe version, a checksum that no longer matches, ...)."""


class NotificationError(GovernanceError):
    """A notification channel is misconfigured (its secret missing) or cannot be reached."""
