"""Short-lived conversation memory: the person's language and whether they were already warned about identifiers.

Nothing else is kept: no message text, no identifiers. The key is a keyed HMAC of the channel's session id (for SMS,
of the phone number) with a secret held only in memory, and entries expire after minutes, not days.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass


@dataclass
class SessionState:
    lang: str | None = None
    warned: bool = False
    expires: float = 0.0


class SessionStore:
    def __init__(self, ttl_seconds: float = 900, max_entries: int = 50_000, secret: bytes | None = None) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._secret = secret or secrets.token_bytes(32)
        self._data: dict[str, SessionState] = {}
        self._lock = threading.Lock()

    def key(self, session_id: str) -> str:
        return hmac.new(self._secret, session_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def get(self, session_id: str | None) -> SessionState:
        """The live state for `session_id` (a fresh, unsaved one when there is none or it expired)."""
        if not session_id:
            return SessionState()
        now = time.monotonic()
        with self._lock:
            state = self._data.get(self.key(session_id))
            if state is None or state.expires < now:
                return SessionState()
            return SessionState(state.lang, state.warned, state.expires)

    def put(self, session_id: str | None, state: SessionState) -> None:
        if not session_id:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data = {k: v for k, v in self._data.items() if v.expires >= now}
                if len(self._data) >= self.max_entries:
                    self._data.pop(next(iter(self._data)))
            self._data[self.key(session_id)] = SessionState(state.lang, state.warned, now + self.ttl)

    def __len__(self) -> int:
        return len(self._data)
