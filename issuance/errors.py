"""One error hierarchy for the issuance library; the service maps it to HTTP once."""

from __future__ import annotations


class IssuanceError(Exception):
    """Base class of every error raised on purpose by issuance/."""


class KeyFormatError(IssuanceError):
    """A key, multibase value, JWK or DID document is not in the expected form."""


class KeyDecryptionError(IssuanceError):
    """An encrypted private key could not be decrypted (wrong secret or corrupted blob)."""


class ContextNotBundled(IssuanceError):
    """A JSON-LD @context URL is not among the bundled contexts (nothing is fetched)."""


class CredentialInvalid(IssuanceError):
    """A credential fails the JSON Schema or JSON-LD safe mode; `problems` lists why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("credential is invalid: " + "; ".join(self.problems))


class ProofError(IssuanceError):
    """A Data Integrity proof is missing, unsupported or does not verify."""


class StatusListError(IssuanceError):
    """A status list is full, malformed, or an index is out of range."""


class JwtError(IssuanceError):
    """A VC-JWT is malformed, its key is unknown, or its signature/claims do not verify."""


class JwtSignatureError(JwtError):
    """A VC-JWT's signature does not verify with the key its kid names."""


class NotBaked(IssuanceError):
    """An image carries no baked Open Badges credential (or is not a PNG/SVG)."""


class BadgeImageError(IssuanceError):
    """Default badge artwork cannot be drawn from the given name, colour or size."""
