"""Default billing data shipped with billing_rules (norms, VAT and thresholds, example tariffs)."""
