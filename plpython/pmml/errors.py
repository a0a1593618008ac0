"""Errors of the PMML runtime: one base class, raised with the element path and a fix."""

from __future__ import annotations


class PmmlError(Exception):
    """Base class of every error the PMML runtime raises."""


class UnsafeDocument(PmmlError):
    """The document is refused before interpretation: DOCTYPE, entities, size, depth, numbers."""


class InvalidDocument(PmmlError):
    """The document is not well-formed PMML (missing attribute, unknown field, bad value)."""


class UnsupportedElement(PmmlError):
    """The document uses an element or attribute value this runtime does not implement exactly."""


class InvalidInput(PmmlError):
    """A record cannot be scored: PMML says the result is invalid or missing for it."""


class NoPrediction(InvalidInput):
    """PMML's own rules give no prediction for this record.

    JPMML-Evaluator returns a missing value there: for example for a tree where no child's
    predicate is true for a category the model never saw.
    """


def at(path: str, message: str, fix: str) -> str:
    """Format an error message: where, what, and how to fix it."""
    return f"{path}: {message}. Fix: {fix}"
