"""A small thread-safe least-recently-used cache, for values keyed on a data version.

Callers put the tables' data version in the key (``catalog.queries.versions``), so an entry is
never stale, only unused; the bound keeps the unused ones from piling up. Locked because uvicorn
runs sync routes in a thread pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class LRU:
    def __init__(self, size: int = 1024) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value stored under ``key`` (now the most recently used), or None."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)
