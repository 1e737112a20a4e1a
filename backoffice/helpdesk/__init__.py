"""Helpdesk tickets: the public contact form and the helpdesk's queue."""
