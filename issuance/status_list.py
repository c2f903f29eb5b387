"""Revocation and suspension with W3C Bitstring Status List v1.0.

Each list is a `BitstringStatusListCredential` signed by the issuer, with 131,072 one-bit
entries (bit 0 = most significant bit of byte 0), gzip-compressed and encoded as multibase
base64url without padding ('u'). Indexes are allocated at random so that a list reveals nothing
about when or in what order credentials were issued (herd privacy).

Suspension — the decision. OB 3.0 allows one `credentialStatus` object per credential (the
strict schema rejects an array; arrays are only proposed for 3.1). Laurel therefore keeps two
lists per issuer, one per purpose, and gives a credential the *same index in both*:

* the credential carries only its `revocation` entry — permanent, and checked by every
  third-party verifier (openbadgeslib included);
* its suspension bit sits at that index in the issuer's `suspension` list. Laurel's own verifier
  (verify.verify_credential with `suspension_list_url`) checks it too and answers `suspended`;
  a third-party verifier that only follows `credentialStatus` will not see a suspension. That
  is the honest cost of staying schema-valid; it is temporary by nature, while revocation —
  the state that must be universally visible — is.

Allocate each index against the union of both lists' used indexes (they share slots).
"""

from __future__ import annotations

import base64
import gzip
import random
import secrets
import zlib
from collections.abc import Callable, Iterable, Set
from datetime import datetime
from typing import Any

from issuance.credential import VC_V2, IssuerProfile, format_datetime
from issuance.errors import StatusListError

STATUS_LIST_SIZE = 131072
PURPOSES = frozenset({"revocation", "suspension"})
# Guard against a gzip bomb in a list fetched from elsewhere: far above any real list.
MAX_LIST_BYTES = 4 * 1024 * 1024
_MAX_RANDOM_TRIES = 10_000


def allocate_index(
    used: Callable[[int], bool] | Set[int],
    rng: random.Random | None = None,
    size: int = STATUS_LIST_SIZE,
) -> int:
    """A uniformly random free index in [0, size); raises StatusListError when the list is full
    (or, for a predicate, when 10,000 random draws found no free slot: start a new list)."""
    is_used: Callable[[int], bool] = used.__contains__ if isinstance(used, Set) else used
    if isinstance(used, Set) and len(used) >= size:
        raise StatusListError("the status list is full")
    pick = rng.randrange if rng is not None else secrets.randbelow
    for _ in range(_MAX_RANDOM_TRIES):
        index = pick(size)
        if not is_used(index):
            return index
    if isinstance(used, Set):  # nearly full: draw from the free slots themselves
        free = [i for i in range(size) if i not in used]
        return free[pick(len(free))]
    raise StatusListError("no free status list index found; start a new list")


def encode_bits(set_indices: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """The encodedList for a list whose given indexes are set; raises StatusListError for an
    index out of range or a size below 131,072 bits or not a multiple of 8."""
    if size < STATUS_LIST_SIZE or size % 8:
        raise StatusListError(f"a status list needs >= {STATUS_LIST_SIZE} bits, a multiple of 8")
    bits = bytearray(size // 8)
    for index in set_indices:
        if not 0 <= index < size:
            raise StatusListError(f"status index {index} is outside 0..{size - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The raw bitstring of an encodedList ('u' multibase; bare base64url tolerated); raises
    StatusListError when it is not valid or too large."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj(wbits=31)  # gzip container
        raw = inflater.decompress(compressed, MAX_LIST_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise StatusListError(f"encodedList is not gzip+base64url: {exc}") from exc
    if len(raw) > MAX_LIST_BYTES or inflater.unconsumed_tail:
        raise StatusListError("encodedList is too large")
    return raw


def bit_is_set(bits: bytes, index: int) -> bool:
    """Whether the status bit at `index` is set; raises StatusListError when out of range."""
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    *,
    list_id: str,
    issuer: IssuerProfile,
    purpose: str,
    set_indices: Iterable[int],
    valid_from: datetime,
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for one purpose ("revocation" or
    "suspension"); raises StatusListError for another purpose or a bad index."""
    if purpose not in PURPOSES:
        raise StatusListError(f"status purpose must be one of {sorted(PURPOSES)}")
    return {
        "@context": [VC_V2],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        # the VC 2.0 context alone defines no Profile type, so the issuer is its id
        "issuer": issuer.id,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bits(set_indices),
        },
    }
