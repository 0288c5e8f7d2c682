"""A token name held by one live token: claimed when the token is created and released when
it is revoked. The id derives from the name, so two tokens created at once with one name
append the same version of one aggregate and the store refuses the second."""

from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from registry.aggregates.chain import Chained, Stamp


class TokenName(Chained):
    if TYPE_CHECKING:
        name: str
        holder: str | None  # the hash of the live token named so, None once released

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/certregistry/token-names/{name}")

    @classmethod
    def claim(cls, *, name: str, token_hash: str, stamp: Stamp) -> "TokenName":
        return cls._begin(
            cls.TokenNameClaimed,
            id=cls.create_id(name),
            stamp=stamp,
            effective_date=None,
            name=name,
            token_hash=token_hash,
        )

    def claim_again(self, *, token_hash: str, stamp: Stamp) -> None:
        """Only once released: the caller checks `holder` first, and a racer that checked at
        the same version is refused by the store."""
        self._record(
            self.TokenNameClaimedAgain, stamp=stamp, effective_date=None, token_hash=token_hash
        )

    def release(self, *, token_hash: str, stamp: Stamp) -> None:
        if self.holder == token_hash:
            self._record(self.TokenNameReleased, stamp=stamp, effective_date=None)

    class TokenNameClaimed(Chained.Created):
        name: str
        token_hash: str

        def apply(self, claim: "TokenName") -> None:
            claim.name, claim.holder = self.name, self.token_hash

    class TokenNameClaimedAgain(Chained.Event):
        token_hash: str

        def apply(self, claim: "TokenName") -> None:
            claim.holder = self.token_hash

    class TokenNameReleased(Chained.Event):
        def apply(self, claim: "TokenName") -> None:
            claim.holder = None
