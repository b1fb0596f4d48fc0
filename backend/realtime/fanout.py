"""Process-level fan-out of channel-layer events to the subscriptions of this process.

Each process (each event loop) has one channel-layer channel, added once to each
group that at least one of its subscriptions listens to. An event arrives once per
process and is handed to every local subscription queue of its group. Compared with
one channel per socket, an event costs one channel-layer receive per process instead
of one per subscriber, and joining a group costs a layer call only for the first
subscriber of the process.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer

from .events import EVENT_MESSAGE_TYPE

logger = logging.getLogger("backend.realtime")

# Group memberships expire in the in-memory and Redis "core" layers (a day by default): renew them.
GROUP_REFRESH_SECONDS = 3600


class ProcessFanout:
    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.queues: dict[str, set[asyncio.Queue]] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []

    async def add(self, group: str, queue: asyncio.Queue) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel(prefix="realtime.")
                loop = asyncio.get_running_loop()
                self.tasks = [loop.create_task(self._receive()), loop.create_task(self._refresh())]
            listeners = self.queues.setdefault(group, set())
            if not listeners:
                await self.layer.group_add(group, self.channel)
            listeners.add(queue)

    async def remove(self, group: str, queue: asyncio.Queue) -> None:
        async with self.lock:
            listeners = self.queues.get(group)
            if not listeners or queue not in listeners:
                return
            listeners.discard(queue)
            if not listeners:
                del self.queues[group]
                await self.layer.group_discard(group, self.channel)

    def listeners(self, group: str) -> int:
        return len(self.queues.get(group, ()))

    def deliver(self, message: dict) -> None:
        for queue in list(self.queues.get(message.get("group"), ())):
            try:
                queue.put_nowait(message["event"])
            except asyncio.QueueFull:
                logger.warning("Subscriber too slow: event dropped on %s", message.get("group"))

    async def _receive(self):
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Channel layer receive failed; retrying in 1 s")
                await asyncio.sleep(1)
                continue
            if message.get("type") == EVENT_MESSAGE_TYPE:
                self.deliver(message)

    async def _refresh(self):
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            for group in list(self.queues):
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    logger.exception("Could not renew group %s", group)


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ProcessFanout] = weakref.WeakKeyDictionary()


def process_fanout() -> ProcessFanout:
    """The fan-out of the running event loop (one per process in Daphne)."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None:
        fanout = _fanouts[loop] = ProcessFanout(get_channel_layer())
    return fanout
