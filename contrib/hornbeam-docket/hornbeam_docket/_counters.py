"""Outcome counters shared by every process on a queue: one Redis hash, written in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from docket import Docket

__all__ = ["NAMES", "Counters"]

logger = logging.getLogger("hornbeam.tasks")

NAMES = ("enqueued", "succeeded", "failed", "retried", "cancelled", "abandoned")

# PERF: an HINCRBY per event would add a Redis round trip to every enqueue (about a
# fifth of docket's own cost for one); counts are batched per process instead.
FLUSH_INTERVAL = 0.1


class Counters:
    """This process's counts not yet in Redis, flushed every ``FLUSH_INTERVAL`` s and at shutdown.

    ``read()`` adds them to the Redis totals, so this process always sees its
    own counts; another process sees them at most one interval late, and a
    process killed with SIGKILL loses at most its last interval of counts.
    """

    def __init__(self, docket: Docket) -> None:
        self._docket = docket
        self._key = docket.key("hornbeam:counters")
        self._pending = dict.fromkeys(NAMES, 0)
        self._dirty = False
        self._flusher: asyncio.Task[None] | None = None

    def add(self, name: str, amount: int = 1) -> None:
        self._pending[name] += amount
        self._dirty = True

    def start(self) -> None:
        self._flusher = asyncio.get_running_loop().create_task(self._flush_often(), name="hornbeam-docket counters")

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.wait([self._flusher])
            self._flusher = None
        await self.flush()

    async def flush(self) -> None:
        if not self._dirty:
            return
        pending, self._pending, self._dirty = self._pending, dict.fromkeys(NAMES, 0), False
        try:
            async with self._docket.redis() as redis, redis.pipeline() as pipe:
                for name, amount in pending.items():
                    if amount:
                        pipe.hincrby(self._key, name, amount)
                await pipe.execute()
        except BaseException:
            for name, amount in pending.items():  # keep them for the next flush
                self.add(name, amount)
            raise

    async def read(self) -> Mapping[str, int]:
        async with self._docket.redis() as redis:
            stored = await redis.hgetall(self._key)
        totals = {name.decode(): int(value) for name, value in stored.items()}
        return {name: totals.get(name, 0) + self._pending[name] for name in NAMES}

    async def _flush_often(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            try:
                await self.flush()
            except Exception:
                logger.warning("could not write task counters to Redis; retrying", exc_info=True)
