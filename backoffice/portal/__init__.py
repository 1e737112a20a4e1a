"""The approval-group portal: what is addressed to the member's own group."""
