"""Publishing never holds the code that published: a stuck channel layer is given up after a bound."""

import asyncio
import threading

from channels.layers import InMemoryChannelLayer

from backend.realtime import events


class StuckLayer(InMemoryChannelLayer):
    """A layer whose group_send never completes (as an unreachable Redis can)."""

    async def group_send(self, group, message):
        await asyncio.Event().wait()


def test_a_stuck_channel_layer_does_not_hold_the_publisher(monkeypatch, caplog, settings):
    monkeypatch.setattr(events, "get_channel_layer", lambda: StuckLayer())
    monkeypatch.setattr(events, "PUBLISH_TIMEOUT_SECONDS", 0.2)
    done = threading.Event()

    def publish():
        events.send_now("hub", 1)
        done.set()

    worker = threading.Thread(target=publish, daemon=True)
    worker.start()
    assert done.wait(10), "send_now is still blocked on the channel layer"
    assert "Could not publish hub.1" in caplog.text
