"""`amr demo`: the whole job on embedded defaults, through the same commands a utility runs.

A town is simulated, a virtual dongle drives past it on a pseudo-terminal, the real collector reads it
into its outbox and syncs through a local broker into the real ingest service on SQLite, and billing
runs on the database. Nothing here shortcuts a step: every stage is an ``amr`` subprocess, so the demo
proves the production paths rather than a parallel implementation of them.
"""
