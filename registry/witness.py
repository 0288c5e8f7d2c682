"""Checkpoints held outside the database: read one from a file or a registry's URL, and pin a
registry's log as a witness does (each new checkpoint signed and consistent with the last)."""

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from registry.errors import InvalidInput, RegistryError
from registry.merkle import verify_consistency
from registry.signing import CHECKPOINT_TYP, verify_detached
from registry.transparency import checkpoint_payload

CHECKPOINT_PATH = "/api/v1/audit/checkpoint"
TIMEOUT = 10.0  # seconds for each request to the registry watched
MAX_ANSWER = 1 << 20


class Fork(RegistryError):
    """The log watched no longer extends the checkpoint seen last: history was rewritten."""

    slug = "fork"
    title = "The log forked"


def fetch_json(url: str) -> Any:
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(f"{url}: not an http(s) URL", field="url")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return json.loads(answer.read(MAX_ANSWER))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{url}: no JSON answer ({error})", field="url") from None


def load_checkpoint(source: str) -> dict[str, Any]:
    """A checkpoint as served by /api/v1/audit/checkpoint, from a file or a URL."""
    if source.startswith(("https://", "http://")):
        found = fetch_json(source)
    else:
        try:
            found = json.loads(Path(source).read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidInput(f"{source}: not a checkpoint JSON file ({error})") from None
    if not isinstance(found, dict):
        raise InvalidInput(f"{source}: not a checkpoint {{size, root, timestamp, signature}}")
    return found


def signed_by(checkpoint: dict[str, Any], jwks: dict[str, Any]) -> bool:
    try:
        payload = checkpoint_payload(
            int(checkpoint["size"]), str(checkpoint["root"]), str(checkpoint["timestamp"])
        )
        return verify_detached(str(checkpoint["signature"]), payload, jwks, CHECKPOINT_TYP)
    except (KeyError, TypeError, ValueError):
        return False


def witness(base_url: str, state: Path) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Fetch the registry's newest checkpoint, check its signature against its key set and a
    consistency proof from the checkpoint in `state`, then keep it there. Returns (the last
    seen, the new); raises Fork when the registry's log does not extend what was seen."""
    base = base_url.removesuffix(CHECKPOINT_PATH).rstrip("/")
    new = fetch_json(base + CHECKPOINT_PATH)
    jwks = fetch_json(base + "/.well-known/jwks.json")
    if not isinstance(new, dict) or not isinstance(jwks, dict) or not signed_by(new, jwks):
        raise InvalidInput(f"{base}: the checkpoint's signature does not verify")
    seen = load_checkpoint(str(state)) if state.exists() else None
    if seen is not None:
        _check_extends(base, seen, new)
    temporary = state.with_name(state.name + ".tmp")
    temporary.write_text(json.dumps(new, indent=1) + "\n", "utf-8")
    os.replace(temporary, state)  # a crash leaves the old state or the new, never half
    return seen, new


def _check_extends(base: str, seen: dict[str, Any], new: dict[str, Any]) -> None:
    old_size, new_size = int(seen["size"]), int(new["size"])
    if new_size < old_size:
        raise Fork(f"the log shrank from {old_size} to {new_size} entries")
    proof: list[bytes] = []
    if old_size < new_size:
        query = urlencode({"from_size": old_size, "to_size": new_size})
        answer = fetch_json(f"{base}/api/v1/audit/proof?{query}")
        try:
            proof = [bytes.fromhex(node) for node in answer["proof"]]
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(f"{base}: not a consistency proof") from None
    old_root, new_root = bytes.fromhex(seen["root"]), bytes.fromhex(new["root"])
    if not verify_consistency(old_size, new_size, old_root, new_root, proof):
        raise Fork(
            f"the checkpoint of size {new_size} does not extend the one seen of size {old_size}"
        )
