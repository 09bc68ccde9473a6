"""eBOK: the customers' self-service portal (server-rendered, every form works without JavaScript).

It runs on the ingest database: customers see the invoices billing stored, the readings the vans and
they themselves reported, and submit readings through the very validator ``amr import readings`` uses.
"""
