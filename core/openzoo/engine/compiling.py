"""``--compile``: run a model's module through ``torch.compile``, for models that declare they support it.

A model opts in with the ``torch_compile`` capability in its spec (the conformance
check ``check_model_torch_compile`` holds it to that). The module is compiled in
place (:meth:`torch.nn.Module.compile`), so it stays the same object: its
``state_dict`` keys stay plain (no ``_orig_mod.`` prefix), the plugin's ``save``
and ``predict`` use the compiled forward without knowing, and checkpoints load
into an uncompiled module.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from openzoo.errors import BadInputError

__all__ = ["CAPABILITY", "C_COMPILERS", "check_compile", "compile_module", "find_c_compiler"]

#: The capability a model declares when ``torch.compile(module)`` works and matches eager outputs.
CAPABILITY = "torch_compile"
#: C++ compilers TorchInductor can build its CPU kernels with, in the order it looks for them.
C_COMPILERS = ("g++", "c++", "clang++")


def find_c_compiler() -> str | None:
    """Return the path of the C++ compiler TorchInductor would use (``$CXX`` first), or ``None`` if none is installed."""
    for name in (os.environ.get("CXX", ""), *C_COMPILERS):
        if name and (found := shutil.which(name)):
            return found
    return None


def check_compile(spec: Any, enabled: bool) -> None:
    """Refuse ``--compile`` for a model without the capability, or on a machine without a C++ compiler.

    :raises BadInputError: naming the model and what to do instead.
    """
    if not enabled:
        return
    if CAPABILITY not in spec.capabilities:
        declared = ", ".join(sorted(spec.capabilities)) or "none"
        raise BadInputError(
            f"model {spec.name!r} does not declare the capability {CAPABILITY!r} (it declares: {declared}); "
            "drop --compile, or ask its plugin to declare the capability once 'openzoo conformance' passes "
            "check_model_torch_compile"
        )
    if find_c_compiler() is None:
        raise BadInputError(
            "--compile needs a C++ compiler for TorchInductor, and none was found "
            f"(looked for $CXX, {', '.join(C_COMPILERS)}); install one (apt-get install g++, "
            "or Xcode's command line tools) or drop --compile"
        )


def compile_module(module: Any) -> Any:
    """Compile ``module`` in place with ``torch.compile`` (its parameters and state-dict keys unchanged)."""
    module.compile()
    return module
