"""Check a governance evidence export offline, with nothing but Python's standard library.

This file is copied into every evidence zip (``govern evidence MODEL --from D --to D --out FILE.zip``). Check one::

    unzip FILE.zip -d ev && cd ev && sha256sum -c SHA256SUMS && python3 verify_evidence.py

(or ``python3 verify_evidence.py FILE.zip`` on the zip itself). It checks that

1. every file matches its SHA-256 in ``SHA256SUMS``, none is missing and none was added;
2. ``manifest.json`` lists the same files with the same digests;
3. ``audit_log.jsonl`` is one unbroken hash chain: entries numbered 1, 2, ... without a gap, each linked to the
   one before it (``prev_hash``), each full entry's ``hash`` recomputed from its content, and the last entry
   equal to the chain head recorded in the manifest (which a reader compares with the live database's head);
4. every result file the manifest says was judged matches the digest the audit log recorded when it was judged.

It exits 0 and prints ``OK ...`` when all hold, else prints one line per problem and exits 1.

The audit chain's hash is defined here, once, and the database's audit log (``govern.respond.audit``) uses this
very function, so the offline check and the online one cannot drift apart::

    hash = SHA-256( prev_hash || canonical({"actor", "at", "kind", "payload", "seq", "subject"}) )

where ``prev_hash`` is the previous entry's hash as 64 hex digits (the first entry's is 64 zeros), ``||`` is
concatenation, ``payload`` is the entry's canonical JSON text (a string inside the object), ``at`` is
``YYYY-MM-DDTHH:MM:SSZ`` and canonical JSON is ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
AUDIT_LOG = "audit_log.jsonl"
SCRIPT = "verify_evidence.py"
FULL_FIELDS = ("seq", "at", "actor", "kind", "subject", "payload", "prev_hash", "hash")
LINK_FIELDS = ("seq", "prev_hash", "hash")

_SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical(payload: Mapping[str, Any]) -> str:
    """The one JSON text of a payload: keys sorted, no spaces, UTF-8 kept as is; NaN and infinities refused."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, kind: str, subject: str, payload: str) -> str:
    """SHA-256 (hex) of ``prev_hash`` followed by the canonical JSON of the entry's fields (see the module)."""
    body = canonical({"seq": seq, "at": at, "actor": actor, "kind": kind, "subject": subject, "payload": payload})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_text(files: Mapping[str, bytes]) -> str:
    """``SHA256SUMS`` for the files, in ``sha256sum`` format (``<hex>  <name>``, one a line, names sorted)."""
    return "".join(f"{sha256(files[name])}  {name}\n" for name in sorted(files))


# ---------------------------------------------------------------------------------------------- checks


def check(files: Mapping[str, bytes]) -> list[str]:
    """Every problem of an evidence export given as {relative name: content}; empty when it is intact."""
    if SUMS not in files:
        return [f"{SUMS}: the export must hold it; it is missing"]
    problems = _check_sums(files)
    manifest = _load_manifest(files, problems)
    if manifest is None:
        return problems
    head = manifest.get("chain_head") if isinstance(manifest.get("chain_head"), dict) else None
    if head is None:
        problems.append(f"{MANIFEST}: chain_head must be an object with seq and hash; got none")
    entries = _check_chain(files, head, problems)
    _check_results(manifest, files, entries, problems)
    return problems


def _check_sums(files: Mapping[str, bytes]) -> list[str]:
    problems: list[str] = []
    listed: dict[str, str] = {}
    for number, line in enumerate(files[SUMS].decode("utf-8", errors="replace").splitlines(), start=1):
        found = _SUM_LINE.fullmatch(line)
        if not found:
            problems.append(f"{SUMS} line {number}: must be '<sha256>  <file>'; got {line[:80]!r} instead")
            continue
        listed[found.group(2)] = found.group(1)
    for name, digest in sorted(listed.items()):
        if name not in files:
            problems.append(f"{name}: listed in {SUMS} but missing from the export")
        elif sha256(files[name]) != digest:
            problems.append(f"{name}: its SHA-256 does not match {SUMS} (the file was changed)")
    for name in sorted(set(files) - set(listed) - {SUMS}):
        problems.append(f"{name}: not listed in {SUMS} (it is not part of the evidence as exported)")
    return problems


def _load_manifest(files: Mapping[str, bytes], problems: list[str]) -> dict[str, Any] | None:
    if MANIFEST not in files:
        problems.append(f"{MANIFEST}: the export must hold it; it is missing")
        return None
    try:
        manifest = json.loads(files[MANIFEST])
    except ValueError as exc:
        problems.append(f"{MANIFEST}: must be JSON; got {exc} instead")
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        problems.append(f"{MANIFEST}: must be an object with a 'files' object; got something else")
        return None
    for name, digest in sorted(manifest["files"].items()):
        if name not in files:
            problems.append(f"{name}: listed in {MANIFEST} but missing from the export")
        elif sha256(files[name]) != digest:
            problems.append(f"{name}: its SHA-256 does not match {MANIFEST} (the file was changed)")
    for name in sorted(set(files) - set(manifest["files"]) - {MANIFEST, SUMS}):
        problems.append(f"{name}: not listed in {MANIFEST}")
    return manifest


def _check_chain(
    files: Mapping[str, bytes], head: Mapping[str, Any] | None, problems: list[str]
) -> dict[int, dict[str, Any]]:
    """The full entries by seq; the first break of the chain, if any, appended to ``problems``."""
    if AUDIT_LOG not in files:
        problems.append(f"{AUDIT_LOG}: the export must hold it; it is missing")
        return {}
    full: dict[int, dict[str, Any]] = {}
    previous_seq, previous_hash = 0, GENESIS
    for number, line in enumerate(files[AUDIT_LOG].decode("utf-8", errors="replace").splitlines(), start=1):
        where = f"{AUDIT_LOG} line {number} (entry {previous_seq + 1})"
        try:
            entry = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: must be a JSON object; got {exc} instead")
            return full
        problem = _entry_problem(entry, previous_seq, previous_hash)
        if problem:
            problems.append(f"{AUDIT_LOG}: {problem}" if problem.startswith("entry") else f"{where}: {problem}")
            return full
        if "payload" in entry:
            full[entry["seq"]] = entry
        previous_seq, previous_hash = entry["seq"], entry["hash"]
    if head is not None and (head.get("seq"), head.get("hash")) != (previous_seq, previous_hash):
        problems.append(
            f"{AUDIT_LOG}: the chain must end at the manifest's head (entry {head.get('seq')}, {head.get('hash')}); "
            f"got entry {previous_seq} ({previous_hash}) instead"
        )
    return full


def _entry_problem(entry: Any, previous_seq: int, previous_hash: str) -> str | None:
    if not isinstance(entry, dict):
        return f"must be a JSON object; got {type(entry).__name__} instead"
    fields = FULL_FIELDS if "payload" in entry else LINK_FIELDS
    if set(entry) != set(fields):
        return f"must have exactly the fields {', '.join(fields)}; got {', '.join(sorted(entry))} instead"
    seq = entry["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        return f"seq must be an integer; got {seq!r} instead"
    if seq != previous_seq + 1:
        if seq > previous_seq + 1:
            return f"entry {previous_seq + 1} is missing (entry {seq} follows entry {previous_seq})"
        return f"entries out of order: entry {seq} follows entry {previous_seq}"
    if entry["prev_hash"] != previous_hash:
        return f"entry {seq}'s link is broken: its prev_hash is not entry {previous_seq}'s hash"
    if not isinstance(entry["hash"], str) or not _HEX64.fullmatch(entry["hash"]):
        return f"entry {seq} was edited: its hash must be 64 hex digits; got {entry['hash']!r} instead"
    if fields is FULL_FIELDS:
        texts = [entry[f] for f in ("at", "actor", "kind", "subject", "payload")]
        if not all(isinstance(t, str) for t in texts):
            return f"entry {seq} was edited: at, actor, kind, subject and payload must be text"
        if entry_hash(previous_hash, seq, *texts) != entry["hash"]:
            return f"entry {seq} was edited: its hash does not match its content"
    return None


def _check_results(
    manifest: Mapping[str, Any],
    files: Mapping[str, bytes],
    entries: Mapping[int, Mapping[str, Any]],
    problems: list[str],
) -> None:
    """Each result the manifest says was judged in entry N must have the digest entry N recorded."""
    results = manifest.get("results", [])
    if not isinstance(results, list):
        problems.append(f"{MANIFEST}: results must be a list; got {type(results).__name__} instead")
        return
    for result in results:
        if not isinstance(result, dict) or result.get("judged_in") is None:
            continue
        name, seq = str(result.get("file")), result["judged_in"]
        entry = entries.get(seq)
        if entry is None:
            problems.append(f"{name}: judged in audit entry {seq}, which must be a full entry of the log; it is not")
            continue
        try:
            recorded = json.loads(entry["payload"]).get("result_sha256")
        except (ValueError, AttributeError):
            recorded = None
        if name not in files:
            continue  # already reported as missing
        if recorded != sha256(files[name]):
            problems.append(
                f"{name}: its SHA-256 must be the one audit entry {seq} recorded when the night was judged "
                f"({recorded}); got {sha256(files[name])} instead"
            )


# ---------------------------------------------------------------------------------------------- reading


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under the folder by its relative name (Python's ``__pycache__`` left out)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.relative_to(folder).parts
    }


def read_zip(path: Path) -> tuple[dict[str, bytes], list[str]]:
    """Every member of the zip by name, and the problems reading it (not a zip, a corrupt member)."""
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                try:
                    files[info.filename] = archive.read(info)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:  # a flipped byte
                    return files, [f"{path}: member {info.filename} must be readable; got {exc} instead"]
    except (zipfile.BadZipFile, OSError) as exc:
        return files, [f"{path}: must be a readable zip file; got {type(exc).__name__}: {exc} instead"]
    return files, []


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    if target.is_dir():
        files, problems = read_folder(target), list[str]()
    else:
        files, problems = read_zip(target)
    if not problems:
        problems = check(files)
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1
    manifest = json.loads(files[MANIFEST])
    head = manifest["chain_head"]
    print(
        f"OK: {len(files) - 1} files match {SUMS}; the audit chain is intact up to entry {head['seq']} "
        f"({head['hash']}); compare that head with the live one: govern audit-log verify"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
