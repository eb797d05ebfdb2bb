"""Validation of a selector's named candidates."""

from __future__ import annotations

__all__ = ["check_candidates"]


def check_candidates(candidates):
    """A non-empty list of ``(name, estimator)`` tuples with unique names.

    Raises
    ------
    ValueError
        Naming the offending value.
    """
    if not isinstance(candidates, (list, tuple)) or len(candidates) == 0:
        raise ValueError(
            "candidates must be a non-empty list of (name, estimator) tuples, "
            f"got {candidates!r}."
        )
    names = []
    for item in candidates:
        if (
            not isinstance(item, tuple)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not hasattr(item[1], "fit")
        ):
            raise ValueError(
                "candidates must be a list of (name, estimator) tuples; got the "
                f"item {item!r}."
            )
        names.append(item[0])
    if len(set(names)) != len(names):
        raise ValueError(f"candidate names must be unique, got {names}.")
    return list(candidates)
