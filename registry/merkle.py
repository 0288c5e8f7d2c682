"""RFC 9162 §2.1 Merkle tree: tree hashes, inclusion and consistency proofs over the event log."""

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # §2.1.1: MTH({}) = HASH()

# The hash of the leaves [start, end); the proof algorithms are written against it so that the
# pure functions (which hash from scratch) and MerkleLog (which caches) share them.
_SubtreeHash = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = HASH(0x00 || d), §2.1.1."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right), the interior node of §2.1.1."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash MTH(D[n]) of the leaf data, §2.1.1."""
    return _hash_range([leaf_hash(d) for d in leaves], 0, len(leaves))


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]), §2.1.3.1: the audit path of leaf `index` in the first `size`."""
    _check_size(size, len(leaves))
    _check_index(index, size)
    hashes = [leaf_hash(d) for d in leaves[:size]]
    return _path(lambda start, end: _hash_range(hashes, start, end), index, 0, size)


def verify_inclusion(
    leaf_data: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows leaf `index` of the tree of `size` with hash `root` is `leaf_data`.

    The algorithm of §2.1.3.2.
    """
    _check_index(index, size)
    if not _well_formed(proof):
        return False
    fn, sn = index, size - 1
    r = leaf_hash(leaf_data)
    for p in proof:
        if sn == 0:
            return False  # the proof is longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency_proof(leaves: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]), §2.1.4.1; empty when old_size is 0 or new_size."""
    _check_sizes(old_size, new_size)
    _check_size(new_size, len(leaves))
    hashes = [leaf_hash(d) for d in leaves[:new_size]]
    return _proof(lambda start, end: _hash_range(hashes, start, end), old_size, new_size)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree (new_size, new_root) extends (old_size, old_root).

    The algorithm of §2.1.4.2. Every tree extends the empty tree, whose hash is EMPTY_ROOT;
    a tree extends itself only with equal hashes. Both need an empty proof.
    """
    _check_sizes(old_size, new_size)
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof or not _well_formed(proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)  # the old tree is a complete subtree of the new one
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # the proof is longer than the path
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class MerkleLog:
    """A growing list of leaves with complete subtrees' hashes kept, for cheap roots and proofs.

    `_levels[h]` holds, back to back, the hashes of the complete subtrees of 2**h leaves in
    order: one bytearray per level, no object per leaf. Any tree hash is then at most one
    complete-subtree hash per level, so `root` costs O(log n) hashes and a proof O(log² n);
    an append costs O(1) amortised.

    With a `floor` f > 0 the levels below f are not kept once a block of 2**f leaves is
    complete (only the incomplete last block is): memory falls from 64 to 64 / 2**f bytes a
    leaf, and a proof that needs a subtree inside a complete block reads that block's leaf
    hashes back through `fetch(start, end)` (from the audit index, which holds them anyway).
    """

    def __init__(
        self,
        leaves: Iterable[bytes] = (),
        *,
        floor: int = 0,
        fetch: Callable[[int, int], Sequence[bytes]] | None = None,
    ) -> None:
        if floor < 0 or (floor > 0 and fetch is None):
            raise ValueError("a floor above 0 needs a fetch for the leaf hashes it drops")
        self._floor = floor
        self._fetch = fetch
        self._levels: list[bytearray] = [bytearray() for _ in range(floor + 1)]
        self._tail: list[bytes] = []  # leaf hashes of the incomplete last block
        self._size = 0
        for data in leaves:
            self.append(data)

    def __len__(self) -> int:
        return self._size

    def append(self, data: bytes) -> int:
        """Add a leaf with this data; returns its index."""
        return self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, hashed: bytes) -> int:
        """Add a leaf whose leaf hash (`leaf_hash(data)`) is already known; returns its index."""
        if len(hashed) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, got {len(hashed)}")
        index = self._size
        self._size += 1
        if self._floor == 0:
            self._levels[0] += hashed
        else:
            self._tail.append(hashed)
            if len(self._tail) < 1 << self._floor:
                return index
            self._levels[self._floor] += _hash_range(self._tail, 0, len(self._tail))
            self._tail = []
        # Each subtree this block completes: the sizes 2**h with 2**h dividing the new size.
        level, count = self._floor, self._size >> self._floor
        while count % 2 == 0:
            below = self._levels[level]
            pair = len(below) - 2 * HASH_SIZE
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            self._levels[level + 1] += node_hash(
                bytes(below[pair : pair + HASH_SIZE]), bytes(below[pair + HASH_SIZE :])
            )
            level, count = level + 1, count // 2
        return index

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (default: all), §2.1.1."""
        size = self._size if size is None else size
        _check_size(size, self._size)
        return self._subtree_hash(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) (default size: all leaves), §2.1.3.1."""
        size = self._size if size is None else size
        _check_size(size, self._size)
        _check_index(index, size)
        return _path(self._subtree_hash, index, 0, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) (default new_size: all leaves), §2.1.4.1."""
        new_size = self._size if new_size is None else new_size
        _check_sizes(old_size, new_size)
        _check_size(new_size, self._size)
        return _proof(self._subtree_hash, old_size, new_size)

    def _subtree_hash(self, start: int, end: int) -> bytes:
        # Only called for the ranges the §2.1 recursion produces: `start` is a multiple of the
        # smallest power of two >= end - start, so a power-of-two range is a stored subtree
        # (or one inside a single block, below the floor).
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            if level >= self._floor:
                at = (start >> level) * HASH_SIZE
                return bytes(self._levels[level][at : at + HASH_SIZE])
            block = start >> self._floor << self._floor
            return _hash_range(self._block(block), start - block, end - block)
        k = _split(n)
        return node_hash(self._subtree_hash(start, start + k), self._subtree_hash(start + k, end))

    def _block(self, start: int) -> Sequence[bytes]:
        """The leaf hashes of the block that begins at leaf `start`."""
        if start + len(self._tail) == self._size:
            return self._tail
        assert self._fetch is not None  # a floor above 0 has one
        found = self._fetch(start, start + (1 << self._floor))
        at = (start >> self._floor) * HASH_SIZE
        kept = bytes(self._levels[self._floor][at : at + HASH_SIZE])
        if len(found) != 1 << self._floor or _hash_range(found, 0, len(found)) != kept:
            raise ValueError(f"the leaf hashes fetched for the block at {start} do not match it")
        return found


def _split(n: int) -> int:
    """The k of §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _hash_range(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) from the leaf hashes, straight from the definition of §2.1.1."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[start]
    k = _split(n)
    return node_hash(_hash_range(hashes, start, start + k), _hash_range(hashes, start + k, end))


def _path(subtree: _SubtreeHash, index: int, start: int, end: int) -> list[bytes]:
    """PATH(index - start, D[start:end]), §2.1.3.1."""
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if index - start < k:
        return [*_path(subtree, index, start, start + k), subtree(start + k, end)]
    return [*_path(subtree, index, start + k, end), subtree(start, start + k)]


def _proof(subtree: _SubtreeHash, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) for 0 < m < n, §2.1.4.1; otherwise empty."""
    if old_size in (0, new_size):
        return []
    return _subproof(subtree, old_size, 0, new_size, True)


def _subproof(subtree: _SubtreeHash, m: int, start: int, end: int, whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b), §2.1.4.1; `whole` is b: is D[start:start+m] the old tree."""
    n = end - start
    if m == n:
        return [] if whole else [subtree(start, end)]
    k = _split(n)
    if m <= k:
        return [*_subproof(subtree, m, start, start + k, whole), subtree(start + k, end)]
    return [*_subproof(subtree, m - k, start + k, end, False), subtree(start, start + k)]


def _well_formed(proof: Sequence[bytes]) -> bool:
    return all(len(p) == HASH_SIZE for p in proof)


def _check_size(size: int, available: int) -> None:
    if size < 0:
        raise ValueError(f"a tree size cannot be negative, got {size}")
    if size > available:
        raise ValueError(f"tree size {size} exceeds the {available} leaves available")


def _check_index(index: int, size: int) -> None:
    if size < 0:
        raise ValueError(f"a tree size cannot be negative, got {size}")
    if index < 0:
        raise ValueError(f"a leaf index cannot be negative, got {index}")
    if index >= size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")


def _check_sizes(old_size: int, new_size: int) -> None:
    if old_size < 0 or new_size < 0:
        raise ValueError(f"tree sizes cannot be negative, got {old_size} and {new_size}")
    if old_size > new_size:
        raise ValueError(f"old tree size {old_size} exceeds new tree size {new_size}")
