"""The 3-bit matmul (lowbit.c): the lab's grid computed exactly, 12 bytes per 32 weights."""

from __future__ import annotations

import numpy as np
import pytest

from agents.llm.builtin.lowbit import W3Linear, widen_q4_1
from agents.llm.builtin.model import matmul, set_threads


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    set_threads(1)


def _weights(rows: int, cols: int, group: int, zeros: list[float] | None = None, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 8, (rows, cols)).astype(np.uint8)
    scales = (rng.random((rows, cols // group)) * 0.1 + 0.01).astype(np.float16)
    if zeros is None:
        z = rng.random((rows, cols // group)) * 7  # fp16 zero points (AWQ's float_zero)
    else:
        z = rng.choice(zeros, (rows, cols // group))
    return codes, scales, z.astype(np.float16)


def _int8_reference(
    codes: np.ndarray, scales: np.ndarray, zeros: np.ndarray, group: int, x: np.ndarray
) -> np.ndarray:
    """float64 y of the kernel's scheme: x as int8 blocks of 32 (scale amax/127, round to
    nearest even), block sums kept in float; w = (code - zero) * scale exactly."""
    rows, cols = codes.shape
    blocks = x.reshape(len(x), -1, 32)
    amax = np.abs(blocks).max(-1, keepdims=True)
    q = np.rint(blocks * (np.float32(127) / amax).astype(np.float32))
    xq = (q * (amax / np.float32(127))).reshape(x.shape).astype(np.float64)
    sums = blocks.sum(-1).reshape(len(x), cols // group, group // 32).sum(-1).astype(np.float64)
    s, z = scales.astype(np.float64), zeros.astype(np.float64)
    grid = (codes.reshape(rows, -1, group) * s[..., None]).reshape(rows, cols)
    y: np.ndarray = xq @ grid.T - sums @ (s * z).T
    return y


@pytest.mark.parametrize(
    ("rows", "cols", "group", "batch"), [(7, 64, 32, 1), (70, 192, 64, 3), (33, 256, 128, 10)]
)
def test_the_3bit_matmul_is_the_lab_grid_with_int8_activations(rows, cols, group, batch) -> None:  # type: ignore[no-untyped-def]
    codes, scales, zeros = _weights(rows, cols, group)
    x = np.random.default_rng(1).standard_normal((batch, cols)).astype(np.float32)
    x[:, 3] *= 40  # an outlier channel, as in SmolLM2's activations
    got = W3Linear.from_codes(codes, scales, zeros, group).matmul(x)
    want = _int8_reference(codes, scales, zeros, group, x)
    assert np.abs(got - want).max() <= 1e-5 * np.abs(want).max()


def test_it_equals_the_widened_q4_1_matmul_when_the_min_is_exact_in_fp16() -> None:
    # Q4_1 stores min = -zero * scale in fp16: exact for these zeros, so both are the same sum
    codes, scales, zeros = _weights(64, 576, 64, zeros=[0, 1, 2, 4])
    x = np.random.default_rng(2).standard_normal((4, 576)).astype(np.float32)
    w3 = W3Linear.from_codes(codes, scales, zeros, 64).matmul(x)
    q4 = matmul(widen_q4_1(codes, scales, zeros, 64), x)
    assert np.abs(w3 - q4).max() <= 1e-5 * np.abs(q4).max()


def test_storage_is_3_bits_per_weight_plus_a_scale_and_zero_per_group() -> None:
    codes, scales, zeros = _weights(96, 576, 64)
    lin = W3Linear.from_codes(codes, scales, zeros, 64)
    assert lin.codes.nbytes == 96 * 576 * 3 // 8
    assert lin.nbytes * 8 / codes.size == pytest.approx(3 + 32 / 64)
    assert widen_q4_1(codes, scales, zeros, 64).blocks.nbytes * 8 / codes.size == 5.0


def test_codes_too_wide_or_groups_off_the_32_grid_are_refused() -> None:
    codes, scales, zeros = _weights(4, 64, 32)
    with pytest.raises(ValueError, match="3 bits"):
        W3Linear.from_codes(codes + 8, scales, zeros, 32)
    with pytest.raises(ValueError, match="multiples of 32"):
        W3Linear.from_codes(codes[:, :48], scales, zeros, 16)


def test_two_threads_split_rows_and_give_the_same_sums() -> None:
    codes, scales, zeros = _weights(200, 576, 64)
    x = np.random.default_rng(3).standard_normal((3, 576)).astype(np.float32)
    lin = W3Linear.from_codes(codes, scales, zeros, 64)
    assert (lin.matmul(x, 1) == lin.matmul(x, 2)).all()
