"""The accelerator's part of the root schema (assembled in backend/schema.py)."""

from .mutations import AcceleratorMutationFields
from .queries import AcceleratorQueryFields
from .subscriptions import AcceleratorSubscriptionFields

__all__ = ["AcceleratorMutationFields", "AcceleratorQueryFields", "AcceleratorSubscriptionFields"]
