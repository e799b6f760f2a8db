"""Shared test helpers (not tests): the kinematic skeleton, synthetic media, fake library entries."""
