"""The observatory's part of the root schema (assembled in backend/schema.py)."""

from .queries import ObservatoryQueryFields
from .signals import WeakSignalMutationFields, WeakSignalQueryFields, WeakSignalSubscriptionFields

__all__ = [
    "ObservatoryQueryFields",
    "WeakSignalMutationFields",
    "WeakSignalQueryFields",
    "WeakSignalSubscriptionFields",
]
