"""Helpers that build small billing inputs for the worked cases."""
