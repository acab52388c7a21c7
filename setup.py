"""Build step for the builtin model's C kernels (agents/llm/builtin/kernels.c, lowbit.c).

Everything else is in pyproject.toml. The kernel is a plain shared library (no Python
API) loaded with ctypes; it is compiled here, at install time, never at run time.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "agents.llm.builtin._kernels",
            ["agents/llm/builtin/kernels.c"],
            # -fno-wrapv undoes Python's own -fwrapv (sysconfig CFLAGS): with it, GCC must
            # assume int indices may wrap and the decode took 40% more CPU per token
            extra_compile_args=["-O3", "-std=gnu11", "-mavx2", "-mfma", "-mf16c", "-fno-wrapv"],
            libraries=["m", "pthread"],
        ),
        # the lab's 3-bit weights, dequantized inside the matmul (agents/llm/builtin/lowbit.py)
        Extension(
            "agents.llm.builtin._lowbit",
            ["agents/llm/builtin/lowbit.c"],
            extra_compile_args=["-O3", "-std=gnu11", "-mavx2", "-mfma", "-mf16c"],
            libraries=["m"],
        ),
    ]
)
