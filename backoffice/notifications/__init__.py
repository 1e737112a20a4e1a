"""Publication notifications from the IG Toolkit: received, stored, processed into cases."""
