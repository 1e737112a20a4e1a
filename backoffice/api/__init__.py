"""The read API (per-user tokens) and its OpenAPI document."""
