"""Reviewing a case: findings per requirement, information requests, outcomes, sign-off."""
