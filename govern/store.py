"""The results store: the one place that knows where results live, and the only code that reads or writes them.

Layout under the output folder (a local path or an fsspec URI such as ``s3://bucket/runs``)::

    <night>/models/<model>.json                   the model's current result for the night
    <night>/fleet.json                            the fleet summary of the night
    <night>/versions/<model>/<stamp>-<sha>.json   every version of the model's result ever written (never deleted)
    <night>/versions/_fleet/<stamp>-<sha>.json    every version of the fleet summary

Nothing judged is ever lost: every document is first added to ``versions/`` under a name of its own (the time
and its SHA-256), then it replaces the current file. A rerun of a night therefore keeps the result it supersedes,
two runs of the same night at once both keep theirs, and writing the very same document again adds nothing.
Writes to a local folder are atomic (a temporary file renamed over the old one); object stores write whole
objects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any, TypeVar

from govern.errors import ResultError
from govern.results import FleetSummary, ModelNightResult, Versioned

_NIGHT = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
FLEET = "_fleet"  # model names start with a letter, so no model's versions can mix with the fleet's
RESPONSE = "_response"
T = TypeVar("T", bound=Versioned)


class ResultsStore:
    """Results of every night, under one root (see the module docstring for the layout)."""

    def __init__(self, root: str | Path) -> None:
        import fsspec

        self.root = str(root)
        self.fs: Any
        self.fs, base = fsspec.core.url_to_fs(self.root)
        self._base = base.rstrip("/")
        self._local = "://" not in self.root or self.root.startswith("file://")

    def __repr__(self) -> str:
        return f"ResultsStore({self.root!r})"

    # ------------------------------------------------------------------ paths
    def _join(self, *parts: str) -> str:
        return "/".join([self._base, *parts])

    def location(self, night: str, model: str | None = None) -> str:
        """Where the model's result (or, with no model, the fleet summary) of the night is, as a path or URI
        that people and other tools can open."""
        relative = f"{night}/models/{model}.json" if model else f"{night}/fleet.json"
        return f"{self.root.rstrip('/')}/{relative}"

    def _result_path(self, night: str, model: str) -> str:
        return self._join(_checked_night(night), "models", f"{_checked_name(model)}.json")

    def _fleet_path(self, night: str) -> str:
        return self._join(_checked_night(night), "fleet.json")

    # ------------------------------------------------------------------ writing
    def write_result(self, result: ModelNightResult) -> str:
        """Record a model's night: kept under ``versions/``, then made the current result."""
        path = self._result_path(result.night, result.model)
        self._replace(path, result.to_json(), versions=self._join(result.night, "versions", result.model))
        return self.location(result.night, result.model)

    def write_fleet(self, summary: FleetSummary) -> str:
        path = self._fleet_path(summary.night)
        self._replace(path, summary.to_json(), versions=self._join(summary.night, "versions", FLEET))
        return self.location(summary.night)

    def write_response(self, night: str, document: str) -> str:
        """The night's response report (incident changes, actions, errors): ``<night>/response.json``, kept
        under ``versions/_response/`` like every other document."""
        path = self._join(_checked_night(night), "response.json")
        self._replace(path, document, versions=self._join(night, "versions", RESPONSE))
        return f"{self.root.rstrip('/')}/{night}/response.json"

    def _replace(self, path: str, text: str, *, versions: str) -> None:
        payload = text.encode("utf-8")
        digest = hashlib.sha256(payload).hexdigest()[:16]
        known = self.fs.glob(f"{versions}/*-{digest}.json") if self.fs.isdir(versions) else []
        if not known:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            self._write(f"{versions}/{stamp}-{digest}.json", payload)
        if not (self.fs.isfile(path) and self.fs.cat_file(path) == payload):
            self._write(path, payload)

    def _write(self, path: str, payload: bytes) -> None:
        if self._local:
            from govern.data import write_bytes_atomic

            write_bytes_atomic(Path(path), payload)
        else:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(path, payload)

    # ------------------------------------------------------------------ pages
    def page_location(self, relative: str) -> str:
        """Where a page (``relative`` to the root, one of the layout's page paths) is, for people and links."""
        return f"{self.root.rstrip('/')}/{_checked_page(relative)}"

    def write_page(self, relative: str, content: str | bytes) -> str:
        """Write a rendered page (HTML, Markdown, PDF, or the JSON it was rendered from), atomically, and
        only when it changed. Pages are derived from the results, so they are replaced, not versioned."""
        path = self._join(_checked_page(relative))
        payload = content.encode("utf-8") if isinstance(content, str) else content
        if not (self.fs.isfile(path) and self.fs.cat_file(path) == payload):
            self._write(path, payload)
        return self.page_location(relative)

    def read_page(self, relative: str) -> bytes | None:
        """A page written before, or None when there is none."""
        path = self._join(_checked_page(relative))
        return bytes(self.fs.cat_file(path)) if self.fs.isfile(path) else None

    def has_page(self, relative: str) -> bool:
        return bool(self.fs.isfile(self._join(_checked_page(relative))))

    # ------------------------------------------------------------------ reading
    def read_result(self, night: str, model: str) -> ModelNightResult:
        return self._read(ModelNightResult, self._result_path(night, model), f"model {model!r} on {night}")

    def read_result_bytes(self, night: str, model: str) -> bytes:
        """The stored bytes of the model's current result (what its SHA-256 is taken of)."""
        path = self._result_path(night, model)
        try:
            return bytes(self.fs.cat_file(path))
        except FileNotFoundError:
            raise ResultError(f"model {model!r} on {night}: no result is recorded at {path}") from None
        except OSError as exc:
            raise ResultError(f"model {model!r} on {night}: {path} must be readable; got {exc}") from exc

    def read_result_digest(self, night: str, model: str) -> tuple[ModelNightResult, str]:
        """The model's current result and the SHA-256 of its stored bytes."""
        payload = self.read_result_bytes(night, model)
        path = self._result_path(night, model)
        return ModelNightResult.from_json(payload, source=path), hashlib.sha256(payload).hexdigest()

    def read_fleet(self, night: str) -> FleetSummary:
        return self._read(FleetSummary, self._fleet_path(night), f"the fleet summary of {night}")

    def has_result(self, night: str, model: str) -> bool:
        return bool(self.fs.isfile(self._result_path(night, model)))

    def _read(self, kind: type[T], path: str, what: str) -> T:
        try:
            text = self.fs.cat_file(path)
        except FileNotFoundError:
            raise ResultError(f"{what}: no result is recorded at {path}") from None
        except OSError as exc:
            raise ResultError(f"{what}: {path} must be readable; got {type(exc).__name__}: {exc}") from exc
        return kind.from_json(text, source=path)

    def nights(self) -> list[str]:
        """Every night with results, oldest first."""
        if not self.fs.isdir(self._base):
            return []
        found = (str(p).rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(self._base, detail=False))
        return sorted(n for n in found if _NIGHT.fullmatch(n))

    def models(self, night: str) -> list[str]:
        """The models with a current result on the night."""
        folder = self._join(_checked_night(night), "models")
        if not self.fs.isdir(folder):
            return []
        names = (str(p).rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False))
        return sorted(n.removesuffix(".json") for n in names if n.endswith(".json") and not n.startswith("."))

    def history(
        self, model: str, *, start: str | None = None, end: str | None = None, unreadable: list[str] | None = None
    ) -> list[ModelNightResult]:
        """The model's current result on every night from ``start`` to ``end`` (inclusive) that has one. A night
        whose file cannot be read (corrupt, another schema version) raises, unless ``unreadable`` is given: then
        its message is appended there and the other nights are still returned."""
        nights = [n for n in self.nights() if (start is None or n >= start) and (end is None or n <= end)]
        found = []
        for night in nights:
            if not self.has_result(night, model):
                continue
            try:
                found.append(self.read_result(night, model))
            except ResultError as exc:
                if unreadable is None:
                    raise
                unreadable.append(str(exc))
        return found

    def versions(self, night: str, model: str | None = None) -> list[ModelNightResult | FleetSummary]:
        """Every version of the model's result (or, with no model, of the fleet summary) written for the
        night, oldest first, the current one included."""
        folder = self._join(_checked_night(night), "versions", _checked_name(model) if model else FLEET)
        if not self.fs.isdir(folder):
            return []
        kind: type[ModelNightResult] | type[FleetSummary] = ModelNightResult if model else FleetSummary
        paths = sorted(str(p) for p in self.fs.ls(folder, detail=False) if str(p).endswith(".json"))
        return [self._read(kind, p, f"a version of {model or 'the fleet summary'} of {night}") for p in paths]

    def superseded(self, night: str, model: str | None = None) -> list[ModelNightResult | FleetSummary]:
        """The versions a rerun of the night replaced: every version but the current one, oldest first."""
        current_path = self._result_path(night, model) if model else self._fleet_path(night)
        current = self.fs.cat_file(current_path) if self.fs.isfile(current_path) else None
        return [v for v in self.versions(night, model) if current is None or v.to_json().encode() != current]


_PAGE = re.compile(
    r"(\d{4}-\d{2}-\d{2}/(reports/[A-Za-z0-9][A-Za-z0-9_.-]*|index)\.(html|md|json)"
    r"|cards/[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?\.(html|md|json)"
    r"|board/\d{4}-\d{2}\.(html|pdf|json))"
)


def _checked_page(relative: str) -> str:
    if not _PAGE.fullmatch(relative) or ".." in relative:
        raise ResultError(
            "a page must be one of <night>/reports/<model>.html|md|json, <night>/index.html|json, "
            f"cards/<model>[/<version>].html|md|json or board/<YYYY-MM>.html|pdf|json; got {relative!r} instead"
        )
    return relative


def _checked_night(night: str) -> str:
    try:
        valid = bool(_NIGHT.fullmatch(night)) and dt.date.fromisoformat(night).isoformat() == night
    except ValueError:
        valid = False
    if not valid:
        raise ResultError(f"night must be an ISO date such as 2026-10-18; got {night!r} instead")
    return night


def _checked_name(name: str) -> str:
    if not _NAME.fullmatch(name) or ".." in name:
        raise ResultError(f"model must be a name (letters, digits, _ . -), not a path; got {name!r} instead")
    return name
