"""Publish the JSON Schemas of the result documents: ``python schemas/publish.py`` (or ``make schemas``).

Writes ``result.schema.json`` and ``fleet.schema.json`` from the code, and records each one's fingerprint for
the current ``SCHEMA_VERSION`` in ``versions.json``. A version once recorded is frozen: if the schema changed
under the same version, this refuses and asks for a version bump (see ``govern/results.py`` for the rule).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from govern.results import DOCUMENTS, SCHEMA_VERSION, json_schema

HERE = Path(__file__).resolve().parent


def fingerprint(document: str) -> str:
    return hashlib.sha256(json.dumps(json_schema(document), sort_keys=True).encode()).hexdigest()


def main() -> int:
    versions_path = HERE / "versions.json"
    versions = json.loads(versions_path.read_text()) if versions_path.exists() else {}
    for document in DOCUMENTS:
        recorded = versions.setdefault(document, {})
        current = fingerprint(document)
        if recorded.get(SCHEMA_VERSION, current) != current:
            print(
                f"the {document} schema changed under version {SCHEMA_VERSION}: bump SCHEMA_VERSION in "
                f"govern/results.py (minor: optional fields added; major: anything else), then run this again",
                file=sys.stderr,
            )
            return 1
        recorded[SCHEMA_VERSION] = current
        (HERE / f"{document}.schema.json").write_text(json.dumps(json_schema(document), indent=2) + "\n")
    versions_path.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    print(f"schemas of version {SCHEMA_VERSION} written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
