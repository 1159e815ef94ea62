"""glibc's allocator, set up for tensor work on the CPU.

glibc serves blocks above a threshold (128 KB at first, raised as large blocks are freed, up to
32 MB) with their own mmap and gives each back to the kernel on free, and it returns the freed
top of the heap above 128 KB. A forward pass allocates and frees activations of megabytes each,
so every pass got fresh pages that the kernel had to fault in and zero: a (8, 104, 1536) float32
multiply took 1.3 ms on fresh memory against 0.14 ms on reused memory. Serving blocks up to 32 MB
from the heap and keeping up to 256 MB of freed heap made float32 scoring of SmolLM2-135M
10-18% faster and LoRA training 8-10% faster on the 2-core development machine
(MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ in the environment measured the same).

    tune_allocator()  # once per process, before the first model runs; a no-op elsewhere
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform

# mallopt(3) parameters and the values we set
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD_BYTES = 32 * 2**20  # glibc's largest; setting it also stops the dynamic raising
TRIM_THRESHOLD_BYTES = 256 * 2**20
TOP_PAD_BYTES = 64 * 2**20


@functools.cache
def tune_allocator() -> bool:
    """Set the thresholds above in this process; True where glibc took them (Linux with glibc),
    False on other systems and C libraries, which keep their own behaviour."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES), (M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
                (M_TOP_PAD, TOP_PAD_BYTES))
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)
