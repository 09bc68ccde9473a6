"""Water and sewage billing by Polish law: pandas frames in, invoice lines and exceptions out.

Pure on purpose (no files, sockets, clocks or databases) so that the same rules bill a simulator's
town, an ingest database export or a CSV folder, and can be tested case by case.  Entry points:
:func:`billing_rules.engine.bill` and :func:`billing_rules.explain.explain`.
"""
