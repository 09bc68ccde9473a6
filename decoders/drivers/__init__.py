"""Manufacturer drivers, one module each; see `decoders.driver_api` for the contract."""
