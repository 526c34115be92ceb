"""What every hotspot estimator shares: ``get_params`` / ``set_params`` / ``repr`` read from its ``__init__``
arguments (scikit-learn's convention, without importing scikit-learn), and one sentence when a result is
asked for before ``fit``.

Every estimator's constructor only stores its parameters; ``fit`` checks them (``hotspots.defaults.SPECS``)
and sets the fitted attributes, which end in ``_``; ``to_frame()`` gives the result as a table.
"""

from __future__ import annotations

import inspect

import numpy as np

from geo.errors import SettingError

__all__ = ["Estimator"]


def _same(a, b) -> bool:
    try:
        return bool(np.all(a == b)) if not (isinstance(a, float) and isinstance(b, float)) else (
            a == b or (a != a and b != b))
    except Exception:  # noqa: BLE001  (values that cannot be compared are different)
        return False


class Estimator:
    """Base of the hotspot estimators (scikit-learn's conventions, our errors)."""

    #: A fitted attribute: its presence says the estimator is fitted.
    _fitted_attribute = ""
    #: How ``fit`` is called, for the sentence.
    _fit_call = "fit(...)"

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(n for n, p in sig.parameters.items()
                      if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters and their values (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Change parameters (scikit-learn's ``set_params``); an unknown name is a ``SettingError``."""
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
                raise SettingError(f"{type(self).__name__} has no parameter '{name}'.",
                                   f"Use one of: {', '.join(names)}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        """The class and the parameters that differ from their defaults, as scikit-learn prints it."""
        sig = inspect.signature(type(self).__init__)
        shown = [f"{n}={getattr(self, n)!r}" for n in self._param_names()
                 if not _same(getattr(self, n), sig.parameters[n].default)]
        return f"{type(self).__name__}({', '.join(shown)})"

    def check_fitted(self, what: str = "to_frame") -> None:
        """A ``SettingError`` saying what to call first, when the estimator is not fitted yet."""
        if not hasattr(self, self._fitted_attribute):
            raise SettingError(f"This {type(self).__name__} instance is not fitted yet; '{what}' needs the "
                               "result first.", f"Call {self._fit_call} before {what}().")
