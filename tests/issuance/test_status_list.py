"""Bitstring Status List encoding, index allocation and the status list credential."""

from __future__ import annotations

import base64
import gzip
import random
from typing import Any

import pytest

from issuance.errors import CredentialInvalid, StatusListError
from issuance.signing import sign_credential
from issuance.status_list import (
    STATUS_LIST_SIZE,
    allocate_index,
    bit_is_set,
    decode_bits,
    encode_bits,
    status_list_credential,
)


def test_bit_zero_is_the_most_significant_bit_of_byte_zero() -> None:
    bits = decode_bits(encode_bits([0, 9, STATUS_LIST_SIZE - 1]))
    assert len(bits) == STATUS_LIST_SIZE // 8 == 16384
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert bits[-1] == 0b0000_0001
    assert sum(bin(b).count("1") for b in bits) == 3
    assert bit_is_set(bits, 9) and not bit_is_set(bits, 8)


def test_encoding_is_multibase_base64url_gzip() -> None:
    encoded = encode_bits([5])
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw[0] == 0b0000_0100
    assert encode_bits([5]) == encoded  # deterministic (gzip mtime 0)
    assert len(encoded) < 200  # a sparse list compresses to almost nothing


def test_out_of_range_and_bad_input() -> None:
    with pytest.raises(StatusListError):
        encode_bits([STATUS_LIST_SIZE])
    with pytest.raises(StatusListError):
        encode_bits([], size=1024)
    with pytest.raises(StatusListError):
        decode_bits("u!!!notbase64")
    with pytest.raises(StatusListError):
        bit_is_set(decode_bits(encode_bits([])), STATUS_LIST_SIZE)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024), mtime=0)
    with pytest.raises(StatusListError, match="too large"):
        decode_bits("u" + base64.urlsafe_b64encode(bomb).decode().rstrip("="))


def test_allocation_is_random_and_avoids_used_indexes() -> None:
    rng = random.Random(7)
    used: set[int] = set()
    for _ in range(2000):
        index = allocate_index(used, rng)
        assert 0 <= index < STATUS_LIST_SIZE and index not in used
        used.add(index)
    ordered = sorted(used)
    # random, not sequential: spread over the whole range
    assert ordered[0] < STATUS_LIST_SIZE // 10 and ordered[-1] > STATUS_LIST_SIZE * 9 // 10
    assert allocate_index(lambda i: i != 123, rng, size=1024) == 123  # predicate form


def test_full_list_raises() -> None:
    with pytest.raises(StatusListError):
        allocate_index(set(range(1024)), size=1024)
    with pytest.raises(StatusListError):
        allocate_index(lambda i: True, size=1024)


def test_status_list_credential_is_signed_and_checked(issuer: Any) -> None:
    unsigned = status_list_credential(
        list_id="http://127.0.0.1:5000/status/revocation/1",
        issuer=issuer.profile,
        purpose="revocation",
        set_indices=[3],
        valid_from=issuer.issued,
    )
    assert unsigned["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert unsigned["credentialSubject"]["type"] == "BitstringStatusList"
    signed = issuer.sign(unsigned)
    assert signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    with pytest.raises(StatusListError):
        status_list_credential(
            list_id="x",
            issuer=issuer.profile,
            purpose="refresh",
            set_indices=[],
            valid_from=issuer.issued,
        )
    broken = dict(unsigned, credentialSubject={"type": "BitstringStatusList"})
    with pytest.raises(CredentialInvalid):
        sign_credential(broken, issuer.key, verification_method=f"{issuer.did}#key-1", created=issuer.issued)


def test_a_nearly_full_list_still_yields_its_last_free_slot() -> None:
    used = set(range(1024)) - {613}
    assert allocate_index(used, random.Random(1), size=1024) == 613
