"""Requirement exemptions: requested, then approved or rejected, for one toolkit version."""
