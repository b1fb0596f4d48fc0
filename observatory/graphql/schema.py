"""The observatory's part of the root schema (assembled in backend/schema.py)."""

from .queries import ObservatoryQueryFields

__all__ = ["ObservatoryQueryFields"]
