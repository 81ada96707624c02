"""The optional compiled kernels (MinHash, matching keys); everything else is in pyproject.toml.

``optional=True``: where no C compiler is found the build goes on without the extensions and
dedupe signs with numpy and normalises in Python (the same values, a few times slower).
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class _BuildExt(build_ext):  # type: ignore[misc]
    def build_extensions(self) -> None:
        if self.compiler.compiler_type != "msvc":
            for ext in self.extensions:
                ext.extra_compile_args = ["-O3", "-std=c11"]
        super().build_extensions()


setup(
    ext_modules=[
        Extension("dedupe._minhash", sources=["dedupe/_minhash.c"], optional=True),
        Extension("dedupe._keys", sources=["dedupe/_keys.c"], optional=True),
        Extension("dedupe._radix", sources=["dedupe/_radix.c"], optional=True),
    ],
    cmdclass={"build_ext": _BuildExt},
)
