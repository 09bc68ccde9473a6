"""billing_rules."""
