"""The compiled PCG64 draws equal numpy's, and leave the generator where numpy would."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from sim import pcg64


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**63 + 11])
def test_uniforms_are_numpys_draws_and_numpy_follows_on(seed: int) -> None:
    rng, reference = np.random.default_rng(seed), np.random.default_rng(seed)
    stream = pcg64.state_of(rng)
    assert stream.size == 4
    for size in (0, 1, 7, 1000, 3):
        assert np.array_equal(pcg64.uniforms(rng, stream, size), reference.random(size))
    assert rng.bit_generator.state == reference.bit_generator.state
    assert np.array_equal(rng.integers(0, 10**9, 9), reference.integers(0, 10**9, 9))
    assert np.array_equal(rng.normal(size=5), reference.normal(size=5))
    assert np.array_equal(pcg64.uniforms(rng, stream, 50), reference.random(50))


def test_the_state_is_read_where_numpy_keeps_it() -> None:
    rng = np.random.default_rng(7)
    rng.random(3)  # moved on since it was seeded
    words = pcg64.state_of(rng)
    expected = rng.bit_generator.state["state"]
    assert int(words[0]) | int(words[1]) << 64 == expected["state"]
    assert int(words[2]) | int(words[3]) << 64 == expected["inc"]


def test_a_state_set_from_outside_is_followed() -> None:
    rng, reference = np.random.default_rng(3), np.random.default_rng(99)
    stream = pcg64.state_of(rng)
    rng.bit_generator.state = reference.bit_generator.state
    assert np.array_equal(pcg64.uniforms(rng, stream, 20), reference.random(20))


def test_an_unpickled_generator_gets_a_view_of_its_own_state() -> None:
    rng = np.random.default_rng(5)
    copy = pickle.loads(pickle.dumps(rng))
    drawn = pcg64.uniforms(copy, pcg64.state_of(copy), 10)
    assert np.array_equal(drawn, rng.random(10))
    assert np.array_equal(pcg64.uniforms(rng, pcg64.state_of(rng), 4), copy.random(4))


@pytest.mark.parametrize("bits", [np.random.Philox, np.random.MT19937, np.random.PCG64DXSM])
def test_other_bit_generators_are_drawn_by_numpy(bits) -> None:
    rng, reference = np.random.Generator(bits(11)), np.random.Generator(bits(11))
    stream = pcg64.state_of(rng)
    assert stream.size == 0
    assert np.array_equal(pcg64.uniforms(rng, stream, 25), reference.random(25))


def test_generators_seeded_alike_keep_states_of_their_own() -> None:
    first, second = np.random.default_rng(9), np.random.default_rng(9)
    drawn = pcg64.uniforms(first, pcg64.state_of(first), 5)
    assert np.array_equal(pcg64.uniforms(second, pcg64.state_of(second), 5), drawn)
