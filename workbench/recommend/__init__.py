"""Recommendation: TALLRec-style rows' baselines, the Book-Crossing catalog, user profiles and
ranking candidate books by a language model's P(Yes)."""
