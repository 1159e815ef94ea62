"""The allocator settings take where they can: activation-sized blocks then come from the heap
(reused from pass to pass) instead of a fresh mmap each (faulted in and zeroed by the kernel)."""

import ctypes
import platform

import pytest
import torch

from workbench.models.allocator import tune_allocator

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def mmapped_blocks() -> int:
    mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    mallinfo2.restype = MallInfo2
    return mallinfo2().hblks


def test_glibc_takes_the_settings():
    assert tune_allocator() is True


def test_an_activation_sized_tensor_is_not_a_fresh_mmap():
    tune_allocator()
    before = mmapped_blocks()
    activation = torch.empty(8 * 104 * 1536)  # 5 MB: a micro-batch's MLP activation
    assert mmapped_blocks() == before
    del activation
