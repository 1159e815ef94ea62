"""Catastrophic forgetting: the accuracy matrix and its metrics, and replay mixing."""
