"""Pure wM-Bus / OMS / M-Bus decoders: bytes in, telegrams out, no I/O."""

from .decoder import Decoder
from .errors import DecodeError
from .keystore import KeyStore, KeyStoreError
from .model import Telegram
from .textinput import parse_hex

__all__ = ["DecodeError", "Decoder", "KeyStore", "KeyStoreError", "Telegram", "parse_hex"]
