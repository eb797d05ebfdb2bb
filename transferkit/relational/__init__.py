"""Relational mapping: transfer relational models across vocabularies."""

__all__ = []
