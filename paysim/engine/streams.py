"""Named random streams derived from one ``SeedSequence``, drawn in vectorised blocks.

Each model component asks for its own stream by name. A stream's seed depends only on the root
seed and the name, so adding a component or changing a strategy never shifts another
component's numbers: that is what makes common random numbers across experiment arms work.
"""

from __future__ import annotations

import hashlib

import numpy as np

_BLOCK = 8192


def name_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class BlockStream:
    """One named stream: uniforms and normals served from pre-drawn blocks.

    Small per-window draws cost a slice instead of a generator call. Consumption order is
    fixed by the model, so results stay reproducible.
    """

    __slots__ = ("_normal", "_normal_pos", "_uniform", "_uniform_pos", "generator", "name")

    def __init__(self, name: str, seed_sequence: np.random.SeedSequence) -> None:
        self.name = name
        self.generator = np.random.Generator(np.random.PCG64DXSM(seed_sequence))
        self._uniform = np.empty(0)
        self._uniform_pos = 0
        self._normal = np.empty(0)
        self._normal_pos = 0

    def uniform(self, size: int | tuple[int, ...]) -> np.ndarray:
        """Uniforms on [0, 1) of the given shape."""
        n = int(np.prod(size))
        if self._uniform_pos + n > self._uniform.size:
            self._uniform = np.concatenate(
                [self._uniform[self._uniform_pos :], self.generator.random(max(_BLOCK, n))]
            )
            self._uniform_pos = 0
        out = self._uniform[self._uniform_pos : self._uniform_pos + n]
        self._uniform_pos += n
        return out.reshape(size)

    def normal(self, size: int | tuple[int, ...]) -> np.ndarray:
        """Standard normals of the given shape."""
        n = int(np.prod(size))
        if self._normal_pos + n > self._normal.size:
            self._normal = np.concatenate(
                [self._normal[self._normal_pos :], self.generator.standard_normal(max(_BLOCK, n))]
            )
            self._normal_pos = 0
        out = self._normal[self._normal_pos : self._normal_pos + n]
        self._normal_pos += n
        return out.reshape(size)

    def choice_index(self, cumulative: np.ndarray, size: int) -> np.ndarray:
        """Indices drawn from a categorical distribution given its cumulative probabilities."""
        return np.searchsorted(cumulative, self.uniform(size) * cumulative[-1], side="right")


class RandomStreams:
    """The tree of named streams of one replication."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        self.root = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        self._streams: dict[str, BlockStream] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The child ``SeedSequence`` of a name: root entropy, root spawn key + name key."""
        return np.random.SeedSequence(
            entropy=self.root.entropy, spawn_key=(*self.root.spawn_key, name_key(name))
        )

    def stream(self, name: str) -> BlockStream:
        """The stream of ``name``, created on first use."""
        found = self._streams.get(name)
        if found is None:
            found = self._streams[name] = BlockStream(name, self.seed_sequence(name))
        return found

    def generator(self, name: str) -> np.random.Generator:
        """A plain ``Generator`` for ``name`` (for one-off draws at set-up time)."""
        return self.stream(name).generator

    def keyed(self, name: str) -> KeyedUniforms:
        """Counter-based uniforms for ``name``, looked up by key (see ``KeyedUniforms``)."""
        return KeyedUniforms(self.seed_sequence(name))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_FIELDS_PER_KEY = 64
_U64_FIELDS = np.uint64(_FIELDS_PER_KEY)
_FIELD_INDEX = np.arange(1, _FIELDS_PER_KEY + 1, dtype=np.uint64)[None, :]


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014): a bijective 64-bit mixer."""
    x = x ^ (x >> _S30)
    x = x * _MIX1
    x = x ^ (x >> _S27)
    x = x * _MIX2
    return x ^ (x >> _S31)


class KeyedUniforms:
    """Counter-based uniforms: the value for ``(key, field)`` depends on nothing else.

    A checkout's luck is looked up by its id instead of being drawn in sequence, so it does
    not matter in which order, in which window or in which experiment arm the model asks:
    the same checkout always gets the same amount, patience and channel luck. This is the
    counter-based design of Salmon et al. ("Parallel random numbers: as easy as 1, 2, 3",
    SC 2011), with SplitMix64 as the mixing function.
    """

    def __init__(self, seed_sequence: np.random.SeedSequence) -> None:
        self.salt = np.uint64(seed_sequence.generate_state(1, dtype=np.uint64)[0])

    def uniforms(self, keys: np.ndarray, n_fields: int) -> np.ndarray:
        """Uniforms on [0, 1), shape ``(len(keys), n_fields)``, one row per key.

        The value for ``(key, field)`` is SplitMix64's output number ``key * 64 + field`` of
        the stream seeded by ``salt``: a Weyl sequence through the bijective mixer, which
        passes BigCrush (Steele, Lea and Flood 2014). Keys must be below 2**58.
        """
        if n_fields > _FIELDS_PER_KEY:
            raise ValueError(f"n_fields ({n_fields}) must be at most {_FIELDS_PER_KEY}")
        counter = (
            np.asarray(keys).astype(np.uint64)[:, None] * _U64_FIELDS + _FIELD_INDEX[:, :n_fields]
        )
        bits = _mix64(counter * _GOLDEN + self.salt)
        return (bits >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)
