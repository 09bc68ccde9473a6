"""Meter keys: loaded from `id,key[,manufacturer]` CSV text, looked up per telegram.

Keys are secrets of the utility: they live in ingest, never in vans, and this class never
shows them in its repr, in errors or in logs.
"""

from __future__ import annotations

import csv
import io
import re

_HEX = re.compile(r"^[0-9A-Fa-f]+$")


class KeyStoreError(ValueError):
    """A malformed keys file; the message names the file, line and column, never the key."""


class KeyStore:
    def __init__(self) -> None:
        self._by_id: dict[str, bytes] = {}
        self._by_mfct_id: dict[tuple[str, str], bytes] = {}

    def __repr__(self) -> str:
        return f"KeyStore({len(self)} keys)"

    def __len__(self) -> int:
        return len(self._by_id) + len(self._by_mfct_id)

    def add(self, meter_id: str, key: bytes, manufacturer: str | None = None) -> None:
        if len(key) not in (8, 16):
            raise KeyStoreError(f"key for meter {meter_id} must be 16 bytes (AES-128), got {len(key)}")
        if manufacturer:
            self._by_mfct_id[(manufacturer.upper(), meter_id)] = key
        else:
            self._by_id[meter_id] = key

    def lookup(self, manufacturer: str | None, meter_id: str | None) -> bytes | None:
        if meter_id is None:
            return None
        if manufacturer and self._by_mfct_id:
            key = self._by_mfct_id.get((manufacturer, meter_id))
            if key is not None:
                return key
        return self._by_id.get(meter_id)

    @classmethod
    def from_csv_text(cls, text: str, source: str = "keys CSV") -> KeyStore:
        """Validate every row; the first bad row stops the load with a located message."""
        store = cls()
        reader = csv.reader(io.StringIO(text))
        header: list[str] | None = None
        for lineno, row in enumerate(reader, start=1):
            if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in row]
            if header is None:
                header = [c.lower() for c in cells]
                if "id" not in header or "key" not in header:
                    raise KeyStoreError(f"{source}, line {lineno}: header must have columns id,key")
                continue
            rec = dict(zip(header, cells, strict=False))
            meter_id = rec.get("id", "")
            key_hex = rec.get("key", "")
            if not re.fullmatch(r"[0-9A-Fa-f]{8}", meter_id):
                raise KeyStoreError(f"{source}, line {lineno}, column id: {meter_id!r} is not an 8-digit meter id")
            if not _HEX.match(key_hex) or len(key_hex) not in (16, 32):
                raise KeyStoreError(
                    f"{source}, line {lineno}, column key: not 32 hex digits (value hidden)"
                )
            mfct = rec.get("manufacturer") or None
            if mfct is not None and not re.fullmatch(r"[A-Za-z]{3}", mfct):
                raise KeyStoreError(f"{source}, line {lineno}, column manufacturer: {mfct!r} is not 3 letters")
            store.add(meter_id.lower(), bytes.fromhex(key_hex), mfct)
        if header is None:
            raise KeyStoreError(f"{source}: empty file, expected a header id,key")
        return store
