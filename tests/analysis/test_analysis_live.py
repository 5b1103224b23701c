"""The live server, fed with synthetic snapshots (no simulator needed)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import numpy as np
import pytest

from analysis.live import LiveServer, snapshot_json
from analysis.testing import synthetic_snapshot
from brainsim.errors import NeuroEmoError


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@pytest.fixture
def server():
    s = LiveServer(port=0, quiet=True)
    s.start()
    yield s
    s.close()


def test_serves_page_and_state(server):
    assert server.url.startswith("http://127.0.0.1:") and server.port > 0
    page = _get(server.url).decode()
    assert 'id="raster"' in page and "EventSource" in page and "http" not in page.split(
        "<script>")[1]
    state = json.loads(_get(server.url + "state"))
    assert state == {"seq": 0, "closed": False, "snapshot": None}
    server.publish({"t_ms": np.float64(50.0), "spikes": {"pfc": {"neuron": np.arange(3),
                                                                  "t_ms": np.array([1.0, 2, 3])}}})
    state = json.loads(_get(server.url + "state"))
    assert state["seq"] == 1 and state["snapshot"]["t_ms"] == 50.0
    assert state["snapshot"]["spikes"]["pfc"]["neuron"] == [0, 1, 2]
    with pytest.raises(urllib.error.HTTPError):
        _get(server.url + "nope")


def test_event_stream_history_live_and_end(server):
    rng = np.random.default_rng(0)
    server.publish(synthetic_snapshot(50.0, rng))  # before the client connects: sent as history
    events: list[tuple[str, str]] = []

    def listen():
        with urllib.request.urlopen(server.url + "events", timeout=10) as response:
            event = None
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    events.append((event, line[6:]))
                    if event == "end":
                        return

    client = threading.Thread(target=listen)
    client.start()
    for k in range(2, 5):
        time.sleep(0.05)
        server.publish(synthetic_snapshot(50.0 * k, rng))
    time.sleep(0.2)
    start = time.monotonic()
    server.close()
    client.join(5)
    assert not client.is_alive()
    assert time.monotonic() - start < 10.0  # closing does not wait for the client
    kinds = [e for e, _ in events]
    assert kinds == ["snapshot"] * 4 + ["end"]
    assert [json.loads(d)["t_ms"] for _, d in events[:4]] == [50.0, 100.0, 150.0, 200.0]
    server.close()  # twice is fine
    server.publish(synthetic_snapshot(300.0, rng))  # after close: ignored, no error
    assert server.n_published == 4


def test_port_in_use_is_a_clear_error(server):
    other = LiveServer(port=server.port, quiet=True)
    with pytest.raises(NeuroEmoError, match=f"Port {server.port} .* already in use"):
        other.start()


def test_port_in_use_by_another_program():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(NeuroEmoError, match="already in use"):
            LiveServer(port=port, quiet=True).start()


def test_loopback_only():
    with pytest.raises(NeuroEmoError, match="only listens on this machine"):
        LiveServer(host="0.0.0.0")
    with pytest.raises(NeuroEmoError, match="not a TCP port"):
        LiveServer(port=70000)


def test_start_prints_address(capsys):
    with LiveServer(port=0) as live:
        assert live.url in capsys.readouterr().out


def test_snapshot_json_handles_numpy():
    text = snapshot_json({"a": np.int32(3), "b": np.array([1.5, 2.5]), "c": np.float32(0.25)})
    assert json.loads(text) == {"a": 3, "b": [1.5, 2.5], "c": 0.25}
