"""The RFC 9162 Merkle tree against the published transparency-dev/merkle test vectors."""

import hashlib
import random
from collections.abc import Callable, Sequence

import pytest

from registry.merkle import (
    EMPTY_ROOT,
    MerkleLog,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# Test vectors published in github.com/transparency-dev/merkle (Apache-2.0), the RFC 6962 /
# RFC 9162 reference Go implementation (same tree as Google's certificate-transparency tests):
#   testonly/constants.go       LeafInputs, NodeHashes, RootHashes
#   testonly/reference_test.go  TestRefInclusionProof, TestRefConsistencyProof (hash vectors)
#   proof/verify_test.go        inclusionProofs (leaf numbers 1-based there), consistencyProofs,
#                               and the corruptions of corruptInclusionProof and
#                               corruptConsistencyProof
#   proof/proof_test.go         TestInclusion, TestConsistency (which nodes make up a proof;
#                               the cases within the 8-leaf tree are used)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# NodeHashes: NODES[level][i] is the hash of the complete subtree of leaves [i*2**level, ...).
NODES = [
    [
        bytes.fromhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        bytes.fromhex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        bytes.fromhex("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        bytes.fromhex("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        bytes.fromhex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        bytes.fromhex("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        bytes.fromhex("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        bytes.fromhex("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        bytes.fromhex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        bytes.fromhex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        bytes.fromhex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        bytes.fromhex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        bytes.fromhex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        bytes.fromhex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# RootHashes: ROOTS[n] is the root of the tree of the first n leaves.
ROOTS = [
    bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    bytes.fromhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    bytes.fromhex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    bytes.fromhex("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    bytes.fromhex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    bytes.fromhex("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    bytes.fromhex("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    bytes.fromhex("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (index, size, proof): reference_test.go TestRefInclusionProof; verify_test.go holds the same.
INCLUSION_VECTORS = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

# (old_size, new_size, proof): reference_test.go TestRefConsistencyProof, plus (6, 7) from
# verify_test.go consistencyProofs.
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _n(level: int, index: int) -> bytes:
    """The published node id(level, index) of proof_test.go."""
    return NODES[level][index]


# proof_test.go's "l=hash(i,j)": in the 7-leaf tree the right half is the node over i and j.
_L7 = node_hash(_n(1, 2), _n(0, 6))

# (index, size, nodes): proof_test.go TestInclusion, the cases within 8 leaves.
INCLUSION_LAYOUTS = [
    (0, 2, [_n(0, 1)]),
    (1, 2, [_n(0, 0)]),
    (1, 3, [_n(0, 0), _n(0, 2)]),
    (0, 7, [_n(0, 1), _n(1, 1), _L7]),
    (1, 7, [_n(0, 0), _n(1, 1), _L7]),
    (2, 7, [_n(0, 3), _n(1, 0), _L7]),
    (3, 7, [_n(0, 2), _n(1, 0), _L7]),
    (4, 7, [_n(0, 5), _n(0, 6), _n(2, 0)]),
    (5, 7, [_n(0, 4), _n(0, 6), _n(2, 0)]),
    (6, 7, [_n(1, 2), _n(2, 0)]),
    (2, 4, [_n(0, 3), _n(1, 0)]),
    (3, 5, [_n(0, 2), _n(1, 0), _n(0, 4)]),
    (3, 6, [_n(0, 2), _n(1, 0), _n(1, 2)]),
    (4, 6, [_n(0, 5), _n(2, 0)]),
]

# (old_size, new_size, nodes): proof_test.go TestConsistency, the cases within 8 leaves.
CONSISTENCY_LAYOUTS = [
    (1, 2, [_n(0, 1)]),
    (1, 4, [_n(0, 1), _n(1, 1)]),
    (1, 6, [_n(0, 1), _n(1, 1), _n(1, 2)]),
    (2, 3, [_n(0, 2)]),
    (2, 8, [_n(1, 1), _n(2, 1)]),
    (3, 7, [_n(0, 2), _n(0, 3), _n(1, 0), _L7]),
    (4, 7, [_L7]),
    (5, 7, [_n(0, 4), _n(0, 5), _n(0, 6), _n(2, 0)]),
    (6, 7, [_n(1, 2), _n(0, 6), _n(2, 0)]),
    (7, 8, [_n(0, 6), _n(0, 7), _n(1, 2), _n(2, 0)]),
    (2, 4, [_n(1, 1)]),
    (3, 5, [_n(0, 2), _n(0, 3), _n(1, 0), _n(0, 4)]),
    (3, 6, [_n(0, 2), _n(0, 3), _n(1, 0), _n(1, 2)]),
    (4, 6, [_n(1, 2)]),
    (1, 7, [_n(0, 1), _n(1, 1), _L7]),
    *((size, size, []) for size in (1, 2, 3, 4, 5, 7, 8)),
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hexes(proof: Sequence[bytes]) -> list[str]:
    return [p.hex() for p in proof]


def _inclusion_accepted(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], tree_root: bytes
) -> bool:
    """Whether the verifier accepts; impossible arguments (a ValueError) count as rejection."""
    try:
        return verify_inclusion(leaf, index, size, proof, tree_root)
    except ValueError:
        return False


def _consistency_accepted(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether the verifier accepts; impossible arguments (a ValueError) count as rejection."""
    try:
        return verify_consistency(old_size, new_size, old_root, new_root, proof)
    except ValueError:
        return False


def _flip(proof: Sequence[bytes], at: int, bit: int) -> list[bytes]:
    wrong = list(proof)
    wrong[at] = bytes([wrong[at][0] ^ (1 << bit)]) + wrong[at][1:]
    return wrong


# Hashing (§2.1.1).


def test_leaf_hash_is_sha256_of_0x00_and_the_data() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest() == _n(0, 0)


def test_node_hash_is_sha256_of_0x01_and_both_children() -> None:
    assert node_hash(_n(0, 0), _n(0, 1)) == _n(1, 0)
    assert node_hash(_n(0, 0), _n(0, 1)) == hashlib.sha256(b"\x01" + _n(0, 0) + _n(0, 1)).digest()


def test_empty_tree_root_is_sha256_of_the_empty_string() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest() == ROOTS[0]


@pytest.mark.parametrize("size", range(9))
def test_root_matches_the_published_root_for_each_size_up_to_eight(size: int) -> None:
    assert root(LEAVES[:size]).hex() == ROOTS[size].hex()


def test_every_published_complete_subtree_hash_is_the_root_of_its_leaves() -> None:
    for level, hashes in enumerate(NODES):
        width = 1 << level
        for i, expected in enumerate(hashes):
            assert root(LEAVES[i * width : (i + 1) * width]) == expected, (level, i)


# Inclusion proofs (§2.1.3).


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_VECTORS)
def test_inclusion_proof_matches_the_published_vector(
    index: int, size: int, expected: list[str]
) -> None:
    assert _hexes(inclusion_proof(LEAVES, index, size)) == expected


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_VECTORS)
def test_published_inclusion_proof_verifies(index: int, size: int, expected: list[str]) -> None:
    proof = [bytes.fromhex(h) for h in expected]
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_LAYOUTS)
def test_inclusion_proof_is_made_of_the_published_nodes(
    index: int, size: int, expected: list[bytes]
) -> None:
    assert _hexes(inclusion_proof(LEAVES, index, size)) == _hexes(expected)


def test_inclusion_proof_verifies_for_every_leaf_of_every_tree_up_to_eight_leaves() -> None:
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(LEAVES, index, size)
            assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size]), (index, size)


def test_inclusion_proof_of_a_single_leaf_tree_is_empty_and_its_root_is_the_leaf_hash() -> None:
    assert inclusion_proof([b"data"], 0, 1) == []
    assert verify_inclusion(b"data", 0, 1, [], leaf_hash(b"data"))
    assert not verify_inclusion(b"data", 0, 1, [], b"")
    assert not verify_inclusion(b"other", 0, 1, [], leaf_hash(b"data"))


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_VECTORS)
def test_no_corruption_of_a_published_inclusion_proof_verifies(
    index: int, size: int, expected: list[str]
) -> None:
    # The probes of corruptInclusionProof in proof/verify_test.go.
    proof = [bytes.fromhex(h) for h in expected]
    leaf, good = LEAVES[index], ROOTS[size]
    probes: dict[str, tuple[bytes, int, int, Sequence[bytes], bytes]] = {
        "index - 1": (leaf, index - 1, size, proof, good),
        "index + 1": (leaf, index + 1, size, proof, good),
        "index ^ 2": (leaf, index ^ 2, size, proof, good),
        "size * 2": (leaf, index, size * 2, proof, good),
        "size // 2": (leaf, index, size // 2, proof, good),
        "wrong leaf": (b"WrongLeaf", index, size, proof, good),
        "empty root": (leaf, index, size, proof, EMPTY_ROOT),
        "random root": (leaf, index, size, proof, SOME_HASH),
        "trailing garbage": (leaf, index, size, [*proof, b""], good),
        "trailing root": (leaf, index, size, [*proof, good], good),
        "preceding garbage": (leaf, index, size, [b"", *proof], good),
        "preceding root": (leaf, index, size, [good, *proof], good),
    }
    for i in range(len(proof)):
        probes[f"proof[{i}] bit 3 flipped"] = (leaf, index, size, _flip(proof, i, 3), good)
    if proof:
        probes["last component removed"] = (leaf, index, size, proof[:-1], good)
    if len(proof) > 1:
        probes["component inserted"] = (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], good)

    assert [name for name, args in probes.items() if _inclusion_accepted(*args)] == []


# Consistency proofs (§2.1.4).


@pytest.mark.parametrize(("old_size", "new_size", "expected"), CONSISTENCY_VECTORS)
def test_consistency_proof_matches_the_published_vector(
    old_size: int, new_size: int, expected: list[str]
) -> None:
    assert _hexes(consistency_proof(LEAVES, old_size, new_size)) == expected


@pytest.mark.parametrize(("old_size", "new_size", "expected"), CONSISTENCY_VECTORS)
def test_published_consistency_proof_verifies(
    old_size: int, new_size: int, expected: list[str]
) -> None:
    proof = [bytes.fromhex(h) for h in expected]
    assert verify_consistency(old_size, new_size, ROOTS[old_size], ROOTS[new_size], proof)


@pytest.mark.parametrize(("old_size", "new_size", "expected"), CONSISTENCY_LAYOUTS)
def test_consistency_proof_is_made_of_the_published_nodes(
    old_size: int, new_size: int, expected: list[bytes]
) -> None:
    assert _hexes(consistency_proof(LEAVES, old_size, new_size)) == _hexes(expected)


def test_consistency_proof_verifies_for_every_pair_of_sizes_up_to_eight() -> None:
    for new_size in range(9):
        for old_size in range(new_size + 1):
            proof = consistency_proof(LEAVES, old_size, new_size)
            assert verify_consistency(
                old_size, new_size, ROOTS[old_size], ROOTS[new_size], proof
            ), (old_size, new_size)


def test_every_tree_is_consistent_with_the_empty_tree_by_an_empty_proof() -> None:
    assert consistency_proof(LEAVES, 0, 8) == []
    assert verify_consistency(0, 8, EMPTY_ROOT, ROOTS[8], [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])


def test_consistency_with_the_empty_tree_fails_for_another_root_or_a_proof() -> None:
    assert not verify_consistency(0, 8, SOME_HASH, ROOTS[8], [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, SOME_HASH, [])
    assert not verify_consistency(0, 1, EMPTY_ROOT, ROOTS[1], [EMPTY_ROOT])


def test_tree_is_consistent_with_itself_only_with_equal_roots_and_an_empty_proof() -> None:
    assert verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    assert not verify_consistency(5, 5, ROOTS[5], ROOTS[6], [])
    assert not verify_consistency(5, 5, ROOTS[5], ROOTS[5], [EMPTY_ROOT])


def test_consistency_between_different_sizes_fails_with_an_empty_proof() -> None:
    assert not verify_consistency(1, 2, ROOTS[1], ROOTS[2], [])


@pytest.mark.parametrize(
    ("old_size", "new_size", "expected"), [v for v in CONSISTENCY_VECTORS if v[2]]
)
def test_no_corruption_of_a_published_consistency_proof_verifies(
    old_size: int, new_size: int, expected: list[str]
) -> None:
    # The probes of corruptConsistencyProof in proof/verify_test.go.
    proof = [bytes.fromhex(h) for h in expected]
    old, new = ROOTS[old_size], ROOTS[new_size]
    probes: dict[str, tuple[int, int, bytes, bytes, Sequence[bytes]]] = {
        "old_size - 1": (old_size - 1, new_size, old, new, proof),
        "old_size + 1": (old_size + 1, new_size, old, new, proof),
        "old_size ^ 2": (old_size ^ 2, new_size, old, new, proof),
        "new_size * 2": (old_size, new_size * 2, old, new, proof),
        "new_size // 2": (old_size, new_size // 2, old, new, proof),
        "wrong old root": (old_size, new_size, b"WrongRoot", new, proof),
        "wrong new root": (old_size, new_size, old, b"WrongRoot", proof),
        "swapped roots": (old_size, new_size, new, old, proof),
        "empty proof": (old_size, new_size, old, new, []),
        "trailing garbage": (old_size, new_size, old, new, [*proof, b""]),
        "trailing old root": (old_size, new_size, old, new, [*proof, old]),
        "trailing new root": (old_size, new_size, old, new, [*proof, new]),
        "preceding garbage": (old_size, new_size, old, new, [b"", *proof]),
        "preceding old root": (old_size, new_size, old, new, [old, *proof]),
        "preceding new root": (old_size, new_size, old, new, [new, *proof]),
        "preceding proof[0]": (old_size, new_size, old, new, [proof[0], *proof]),
        "truncated": (old_size, new_size, old, new, proof[:-1]),
    }
    for i in range(len(proof)):
        probes[f"proof[{i}] bit 4 flipped"] = (old_size, new_size, old, new, _flip(proof, i, 4))

    assert [name for name, args in probes.items() if _consistency_accepted(*args)] == []


# MerkleLog: the same answers from cached subtree hashes.


def test_log_roots_match_the_published_roots_for_each_size_up_to_eight() -> None:
    log = MerkleLog(LEAVES)
    assert [log.root(size).hex() for size in range(9)] == [r.hex() for r in ROOTS]


def test_log_proofs_match_the_published_vectors() -> None:
    log = MerkleLog(LEAVES)
    for index, size, expected in INCLUSION_VECTORS:
        assert _hexes(log.inclusion_proof(index, size)) == expected
    for old_size, new_size, expected in CONSISTENCY_VECTORS:
        assert _hexes(log.consistency_proof(old_size, new_size)) == expected


def test_log_defaults_to_its_current_size() -> None:
    log = MerkleLog(LEAVES[:7])
    assert len(log) == 7
    assert log.root() == ROOTS[7]
    assert log.inclusion_proof(6) == inclusion_proof(LEAVES, 6, 7)
    assert log.consistency_proof(3) == consistency_proof(LEAVES, 3, 7)


def test_log_append_returns_the_new_leafs_index() -> None:
    log = MerkleLog()
    assert [log.append(data) for data in LEAVES] == list(range(8))
    assert log.root() == ROOTS[8]


def test_log_append_leaf_hash_is_append_of_the_data() -> None:
    by_hash = MerkleLog()
    for data in LEAVES:
        by_hash.append_leaf_hash(leaf_hash(data))
    assert by_hash.root() == ROOTS[8]
    assert by_hash.inclusion_proof(5) == MerkleLog(LEAVES).inclusion_proof(5)


@pytest.mark.parametrize(("seed", "floor"), [(1, 0), (2, 0), (3, 0), (4, 1), (5, 3), (6, 4)])
def test_log_gives_the_same_roots_and_proofs_as_the_functions_on_random_trees(
    seed: int, floor: int
) -> None:
    """With a floor, the subtrees below it are read back from where the leaves are kept."""
    rng = random.Random(seed)
    leaves = [
        rng.randbytes(rng.choice([0, 1, 7, 32, 32, 32, 64])) for _ in range(rng.randint(260, 300))
    ]
    hashes = [leaf_hash(data) for data in leaves]
    log = MerkleLog(floor=floor, fetch=lambda start, end: hashes[start:end])
    for data in leaves:
        log.append(data)
    n = len(leaves)

    for size in range(n + 1):
        assert log.root(size) == root(leaves[:size]), size

    pairs = [(a, b) for b in range(18) for a in range(b + 1)]
    for _ in range(150):
        x, y = rng.randint(0, n), rng.randint(0, n)
        pairs.append((min(x, y), max(x, y)))
    pairs += [(0, n), (1, n), (n - 1, n), (n, n), (128, 256), (129, n)]
    for a, b in pairs:
        proof = log.consistency_proof(a, b)
        assert proof == consistency_proof(leaves, a, b), (a, b)
        assert verify_consistency(a, b, log.root(a), log.root(b), proof), (a, b)
        if a < b:
            proof = log.inclusion_proof(a, b)
            assert proof == inclusion_proof(leaves, a, b), (a, b)
            assert verify_inclusion(leaves[a], a, b, proof, log.root(b)), (a, b)
            assert not verify_inclusion(leaves[a] + b"!", a, b, proof, log.root(b)), (a, b)


def test_log_with_a_floor_keeps_a_sixteenth_of_the_hashes_at_floor_four() -> None:
    hashes = [leaf_hash(bytes([i % 256, i // 256])) for i in range(4096)]
    full, bounded = MerkleLog(), MerkleLog(floor=4, fetch=lambda s, e: hashes[s:e])
    for hashed in hashes:
        full.append_leaf_hash(hashed)
        bounded.append_leaf_hash(hashed)
    assert sum(map(len, full._levels)) == (2 * 4096 - 1) * 32  # every node of the tree
    assert sum(map(len, bounded._levels)) == (2 * 4096 // 16 - 1) * 32  # those of 16+ leaves
    assert bounded.root() == full.root()


def test_log_refuses_leaf_hashes_fetched_back_that_do_not_match_the_block() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(32)]
    tampered = [*hashes[:5], leaf_hash(b"forged"), *hashes[6:]]
    log = MerkleLog(floor=3, fetch=lambda start, end: tampered[start:end])
    for hashed in hashes:
        log.append_leaf_hash(hashed)
    assert log.root() == root([bytes([i]) for i in range(32)])  # no fetch needed
    with pytest.raises(ValueError, match="do not match"):
        log.inclusion_proof(5)


def test_log_with_a_floor_needs_somewhere_to_fetch_leaves_from() -> None:
    with pytest.raises(ValueError, match="needs a fetch"):
        MerkleLog(floor=2)


# Bad arguments.

_LOG = MerkleLog(LEAVES)
ERRORS: list[tuple[str, Callable[[], object], str]] = [
    ("index = size", lambda: inclusion_proof(LEAVES, 8, 8), "outside a tree of size 8"),
    ("empty tree", lambda: inclusion_proof(LEAVES, 0, 0), "outside a tree of size 0"),
    ("negative index", lambda: inclusion_proof(LEAVES, -1, 8), "cannot be negative"),
    ("negative size", lambda: inclusion_proof(LEAVES, 0, -1), "cannot be negative"),
    ("size > leaves", lambda: inclusion_proof(LEAVES, 0, 9), "exceeds the 8 leaves"),
    ("old > new", lambda: consistency_proof(LEAVES, 5, 3), "exceeds new tree size 3"),
    ("negative old", lambda: consistency_proof(LEAVES, -1, 3), "cannot be negative"),
    ("new > leaves", lambda: consistency_proof(LEAVES, 3, 9), "exceeds the 8 leaves"),
    ("verify index = size", lambda: verify_inclusion(b"", 8, 8, [], ROOTS[8]), "outside"),
    ("verify negative index", lambda: verify_inclusion(b"", -1, 8, [], ROOTS[8]), "negative"),
    ("verify negative size", lambda: verify_inclusion(b"", 0, -1, [], ROOTS[8]), "negative"),
    ("verify old > new", lambda: verify_consistency(5, 3, ROOTS[5], ROOTS[3], []), "exceeds"),
    ("verify negative", lambda: verify_consistency(-1, 3, ROOTS[0], ROOTS[3], []), "negative"),
    ("log root > size", lambda: _LOG.root(9), "exceeds the 8 leaves"),
    ("log negative root", lambda: _LOG.root(-1), "cannot be negative"),
    ("log index = size", lambda: _LOG.inclusion_proof(8), "outside a tree of size 8"),
    ("log old > size", lambda: _LOG.consistency_proof(9), "exceeds new tree size 8"),
    ("log new > size", lambda: _LOG.consistency_proof(2, 9), "exceeds the 8 leaves"),
    ("log short leaf hash", lambda: MerkleLog().append_leaf_hash(b"short"), "32 bytes, got 5"),
]


@pytest.mark.parametrize(("call", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_bad_arguments_raise_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
