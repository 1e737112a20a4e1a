"""Staff and approval-group users, their roles, and logging in."""
