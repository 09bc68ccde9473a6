"""A simulated Polish town: meters, customers, premises and the true register of every meter."""

from simulators.town.population import Town, build_town, write_town

__all__ = ["Town", "build_town", "write_town"]
