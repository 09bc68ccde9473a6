"""The ingest consumer: contract-2 payload parsing (``payload``), exports (``exports``), MQTT (``service``),
and the CPU stage it runs in decode processes (``prepare``, ``decode_process``).

Payload forms accepted (marked inside the payload, never in the topic): plain JSON; one marker byte
then compressed JSON (``0x01`` zlib, ``0x02`` zstd, ``0x03`` gzip); or the JSON envelope
``{"encoding": "zlib"|"zstd"|"gzip", "data": "<base64>"}``.  See ``payload`` for the details.
"""
