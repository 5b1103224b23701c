"""``neuroemo app``'s server through Starlette's TestClient.

Requests are checked on the server (each refusal is a 4xx with one line); runs are listed;
a run becomes a results folder of its own and never replaces one. The simulation step is a
stub that writes a synthetic results folder (the viewer step after it is real), except in
``test_real_simulation_through_the_app``, which simulates 0.5 s with the runtime backend.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from analysis import load_run
from analysis.app import jobs as jobs_module
from analysis.app.jobs import JOBS_DIR, Step, default_steps
from analysis.app.server import create_app
from analysis.app.simulator import builtin_profiles, protocol_source
from analysis.app.validation import RequestError, parse_run_request
from analysis.testing import write_synthetic_run

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"pfc": 40, "amygdala": 20, "hippocampus": 30, "thalamus": 20, "striatum": 60}

#: Stands in for `python -m brainsim run`: prints progress lines, writes a synthetic folder
#: (refusing an existing one, as the simulator does).
STUB = """
import sys
from pathlib import Path
from analysis.testing import write_synthetic_run
out, profile, seed, ms, mode = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print("Starting simulation at t=0 s (stub)", flush=True)
if mode == "fail":
    print("neuroemo: error: the stub was told to fail.", file=sys.stderr, flush=True)
    sys.exit(2)
if mode == "hang":
    import time
    print("hanging", flush=True)
    time.sleep(60)
if out.exists():
    print(f"neuroemo: error: The results folder {out} already exists", file=sys.stderr)
    sys.exit(2)
write_synthetic_run(out, profile=profile, seed=seed, duration_ms=ms, sizes=SIZES)
print(f"  results: {out}", flush=True)
""".replace("SIZES", repr(SMALL))


def stub_steps(mode: str = "ok", viewer: bool = False):
    """Steps of a run with the simulation replaced by :data:`STUB`."""
    def steps(job):
        r = job.request
        simulate = Step("simulating", [sys.executable, "-c", STUB, str(job.folder),
                                       r.profile_name, str(r.seed), str(r.duration_s * 1000),
                                       mode])
        return [simulate, default_steps(job)[1]] if viewer else [simulate]
    return steps


def make_client(root: Path, steps=None) -> TestClient:
    return TestClient(create_app(root, steps=steps or stub_steps()),
                      base_url="http://127.0.0.1")


def wait_done(client: TestClient, name: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{name}").json()
        if run["status"] in ("finished", "failed", "cancelled"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"{name} did not end within {timeout} s: {run}")


def valid(**changes) -> dict:
    request = {"profile": "depressed", "duration_s": 1.0, "seed": 1, "backend": "runtime",
               "sentences": [{"text": "i feel strong", "onset_s": 0.5}]}
    request.update(changes)
    return request


def edited(**numbers) -> dict:
    return {"base": "depressed", "name": "dep-edit", **numbers}


# ---------------------------------------------------------------------------------------
# pages and profiles
# ---------------------------------------------------------------------------------------


def test_page_and_static_files_need_no_network(tmp_path):
    with make_client(tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert 'id="run-form"' in page.text
        for name in ("app.js", "app.css"):
            response = client.get(f"/static/{name}")
            assert response.status_code == 200, name
        static = (ROOT / "analysis" / "app" / "static")
        for file in static.iterdir():
            text = file.read_text()
            assert "http://" not in text and "https://" not in text, f"{file.name} uses the network"


def test_profiles_describe_the_form(tmp_path):
    with make_client(tmp_path) as client:
        data = client.get("/api/profiles").json()
    assert list(data["profiles"]) == ["healthy", "depressed", "anxious", "impulsive", "resilient"]
    assert data["numbers"][:3] == ["serotonin", "dopamine", "norepinephrine"]
    assert {"sensory_scale", "reward_rate_hz", "reward_mean", "reward_std"} <= set(data["numbers"])
    assert data["limits"]["serotonin"] == {"min": 0.0, "max": 10.0}
    assert data["limits"]["reward_mean"] == {"min": None, "max": None}
    assert set(data["backends"]) == {"runtime", "cpp_standalone"}
    assert data["duration_s"] == {"min": 0.1, "max": 10.0}


# ---------------------------------------------------------------------------------------
# validation: every refusal is a 4xx with one line, and nothing is written
# ---------------------------------------------------------------------------------------

BAD_REQUESTS = [
    (valid(duration_s=0), "Duration must be from 0.1 s to 10 s"),
    (valid(duration_s=60), "Duration must be from"),
    (valid(duration_s="1s"), "Duration must be a number"),
    (valid(duration_s=None), "Duration must be a number, got nothing"),
    (valid(duration_s=1.0005), "whole number of milliseconds"),
    (valid(seed=-1), "Seed must be an integer from 0"),
    (valid(seed=1.5), "Seed must be an integer"),
    (valid(seed=True), "Seed must be an integer"),
    (valid(seed=2**32), "Seed must be an integer"),
    (valid(profile="sanguine"), "Unknown profile 'sanguine'"),
    (valid(profile=edited(serotonin=-0.1)), "serotonin must be >= 0"),
    (valid(profile=edited(serotonin=20)), "serotonin = 20.0 is above 10"),
    (valid(profile=edited(dopamine="high")), "dopamine must be a number"),
    (valid(profile=edited(reward_mean=float("inf"))), "not valid JSON"),  # no Infinity
    (valid(profile={"base": "depressed", "name": "../etc", "serotonin": 0.1}),
     "Profile name '../etc' is not usable"),
    (valid(profile={"base": "depressed", "name": "depressed", "serotonin": 0.1}),
     "'depressed' is a built-in profile and these numbers differ"),
    (valid(profile=edited(region_levels={"cerebellum": {"serotonin": 0.1}})),
     "Unknown region 'cerebellum'"),
    (valid(profile=edited(region_levels={"amygdala": {"oxytocin": 0.1}})),
     "Unknown neuromodulator 'oxytocin'"),
    (valid(profile=edited(region_levels={"amygdala": {"serotonin": 11}})),
     "amygdala.serotonin = 11.0 is above 10"),
    (valid(sentences=[{"text": "late", "onset_s": 1.0}]), "outside the run (0 to 1 s)"),
    (valid(sentences=[{"text": "early", "onset_s": -0.1}]), "outside the run"),
    (valid(sentences=[{"text": "  ", "onset_s": 0.1}]), "Sentence 1 is empty"),
    (valid(sentences=[{"text": "x", "onset_s": 0.1}] * 11), "At most 10 sentences"),
    (valid(sentences=[{"text": "x" * 301, "onset_s": 0.1}]), "longer than 300 characters"),
    (valid(backend="cuda_standalone"), "Unknown backend 'cuda_standalone'"),
    ([1, 2], "must be a JSON object"),
]


@pytest.mark.parametrize("body, message", BAD_REQUESTS,
                         ids=[m[:30] for _, m in BAD_REQUESTS])
def test_invalid_request_is_a_4xx_with_one_line(tmp_path, body, message):
    with make_client(tmp_path) as client:
        if "not valid JSON" in message:
            response = client.post("/api/runs", content=json.dumps(body),  # writes Infinity
                                   headers={"Content-Type": "application/json"})
        else:
            response = client.post("/api/runs", json=body)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert message in error
        assert "\n" not in error and len(error) < 300
        assert client.get("/api/runs").json()["runs"] == []
    assert [p.name for p in tmp_path.iterdir()] == [JOBS_DIR]
    assert list((tmp_path / JOBS_DIR).iterdir()) == []


def test_bodies_that_are_not_run_requests(tmp_path):
    with make_client(tmp_path) as client:
        r = client.post("/api/runs", content="{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
        r = client.post("/api/runs", content="profile=healthy",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 415 and "JSON" in r.json()["error"]
        r = client.post("/api/runs", content=b"{" + b" " * 70_000 + b"}",
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        r = client.get("/api/runs/no-such-run")
        assert r.status_code == 404 and "no run named 'no-such-run'" in r.json()["error"]
        assert client.get("/api/runs/..%2F..%2Fetc").status_code == 404
        assert client.post("/api/runs/no-such-run/cancel").status_code == 404
        assert client.get("/results/../pyproject.toml").status_code == 404
        # still serving after all of that
        assert client.get("/api/profiles").status_code == 200


def test_other_host_names_are_refused(tmp_path):
    """A page of another site whose name resolves to 127.0.0.1 cannot drive the app."""
    with make_client(tmp_path) as client:
        assert client.get("/api/runs", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/api/runs", headers={"Host": "localhost:8765"}).status_code == 200


def test_parse_run_request_fills_an_edited_profile_from_its_base():
    request = parse_run_request(valid(profile=edited(serotonin=0.1, region_levels={
        "amygdala": {"norepinephrine": 0.9, "serotonin": None}})))
    base = builtin_profiles()["depressed"]
    assert not request.builtin and request.profile_name == "dep-edit"
    assert request.numbers["serotonin"] == 0.1
    assert request.numbers["dopamine"] == base["dopamine"]
    assert request.region_levels == {"amygdala": {"norepinephrine": 0.9}}
    assert request.sentences == (("i feel strong", 0.5),)
    # the unchanged built-in, by name or spelled out, is the built-in profile
    assert parse_run_request(valid()).builtin
    assert parse_run_request(valid(profile={"base": "depressed", **{
        k: v for k, v in base.items() if k != "description"}})).builtin
    with pytest.raises(RequestError):
        parse_run_request("not an object")


def test_protocol_file_round_trips_through_the_simulator(tmp_path):
    """The file an app run writes loads as the protocol the request describes."""
    from brainsim.experiment.protocol_files import load_protocol_file

    request = parse_run_request(valid(
        duration_s=1.25, seed=7,
        profile=edited(serotonin=0.15, reward_mean=-0.5,
                       region_levels={"striatum": {"dopamine": 0.95}}),
        sentences=[{"text": 'she said "no" \\ then left', "onset_s": 0.25},
                   {"text": "i feel strong", "onset_s": 1.0}]))
    from analysis.app.simulator import make_profile

    source = protocol_source(profile=make_profile(request.profile_name, request.numbers,
                                                  request.region_levels),
                             builtin=False, duration_s=request.duration_s, seed=request.seed,
                             sentences=request.sentences, run_name="x", backend="runtime")
    (tmp_path / "protocol.py").write_text(source)
    [protocol], _ = load_protocol_file(tmp_path / "protocol.py")
    assert protocol.profile.name == "dep-edit"
    assert protocol.profile.serotonin == 0.15 and protocol.profile.reward_mean == -0.5
    assert protocol.profile.region_levels == {"striatum": {"dopamine": 0.95}}
    assert protocol.seed == 7 and float(protocol.duration) == 1.25
    assert [(s.text, float(s.onset)) for s in protocol.sentences] == [
        ('she said "no" \\ then left', 0.25), ("i feel strong", 1.0)]
    builtin = protocol_source(profile=make_profile("healthy", builtin_profiles()["healthy"]),
                              builtin=True, duration_s=1.0, seed=1, sentences=[],
                              run_name="y", backend="cpp_standalone")
    assert 'profile="healthy"' in builtin and "Profile(" not in builtin


# ---------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------


def test_a_run_becomes_a_results_folder_listed_with_its_summary(tmp_path):
    with make_client(tmp_path, stub_steps(viewer=True)) as client:
        started = client.post("/api/runs", json=valid(profile=edited(serotonin=0.1), seed=4))
        assert started.status_code == 202, started.text
        name = started.json()["name"]
        assert name.startswith("dep-edit-s4-")
        run = wait_done(client, name)
        assert run["status"] == "finished", run
        assert any("Starting simulation" in line for line in run["log"])
        assert any("viewer:" in line for line in run["log"])

        folder = tmp_path / name
        loaded = load_run(folder)
        assert loaded.profile == "dep-edit" and loaded.meta["seed"] == 4
        for file in ("protocol.py", "app.json", "app.log", "viewer.html",
                     "figures/readout.png", "figures/rates.png"):
            assert (folder / file).is_file(), file
        assert not (tmp_path / JOBS_DIR / name).exists()
        app_json = json.loads((folder / "app.json").read_text())
        assert app_json["request"]["profile"]["serotonin"] == 0.1
        assert "Profile(" in (folder / "protocol.py").read_text()

        assert run["winner"] and set(run["probabilities"]) >= {"sadness", "joy"}
        assert set(run["mean_rate_hz"]) == set(SMALL)
        assert run["files"]["viewer"] == f"/results/{name}/viewer.html"
        assert client.get(run["files"]["viewer"]).status_code == 200
        assert client.get(run["files"]["readout"]).headers["content-type"] == "image/png"

        listed = client.get("/api/runs").json()["runs"]
        assert [r["name"] for r in listed] == [name]
        assert listed[0]["winner"] == run["winner"]

        # the event stream replays the log and ends; from=N skips lines
        events = client.get(f"/api/runs/{name}/events").text
        assert "event: end\ndata: finished" in events
        assert events.count("event: log") == len(run["log"])
        later = client.get(f"/api/runs/{name}/events?from={len(run['log']) - 1}").text
        assert later.count("event: log") == 1

    # a new server (a new session) lists the folder from disk, with its saved log
    with make_client(tmp_path) as client:
        again = client.get(f"/api/runs/{name}").json()
        assert again["status"] == "finished" and again["winner"] == run["winner"]
        assert again["log"][-1].startswith("» finished after")


def test_runs_never_overwrite_a_folder(tmp_path, monkeypatch):
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 2, 3, 4, 5)

    monkeypatch.setattr(jobs_module, "datetime", Frozen)
    taken = tmp_path / "depressed-s1-20260102-030405"
    write_synthetic_run(taken, profile="other", sizes=SMALL)
    before = (taken / "meta.json").read_text()
    with make_client(tmp_path) as client:
        names = [client.post("/api/runs", json=valid()).json()["name"] for _ in range(2)]
        assert names == ["depressed-s1-20260102-030405-2", "depressed-s1-20260102-030405-3"]
        for name in names:
            assert wait_done(client, name)["status"] == "finished"
        listed = {r["name"]: r for r in client.get("/api/runs").json()["runs"]}
    assert set(listed) == {taken.name, *names}
    assert listed[taken.name]["profile"] == "other" and not listed[taken.name]["from_app"]
    assert (taken / "meta.json").read_text() == before


def test_a_failed_run_reports_its_error_line_and_the_server_goes_on(tmp_path):
    with make_client(tmp_path, stub_steps("fail")) as client:
        name = client.post("/api/runs", json=valid()).json()["name"]
        run = wait_done(client, name)
        assert run["status"] == "failed"
        assert run["error"] == "neuroemo: error: the stub was told to fail."
        assert not (tmp_path / name).exists()
        assert (tmp_path / JOBS_DIR / name / "app.log").is_file()  # kept for a look
        assert client.post("/api/runs", json=valid(seed=2)).status_code == 202
        assert client.get("/api/runs").json()["runs"][0]["name"].startswith("depressed-s2-")


def test_cancel_stops_the_subprocess(tmp_path):
    with make_client(tmp_path, stub_steps("hang")) as client:
        first = client.post("/api/runs", json=valid()).json()["name"]
        second = client.post("/api/runs", json=valid(seed=2)).json()["name"]
        deadline = time.monotonic() + 30
        while not any("hanging" in line for line in client.get(f"/api/runs/{first}").json()["log"]):
            assert time.monotonic() < deadline, "the stub never started"
            time.sleep(0.1)
        assert client.get(f"/api/runs/{second}").json()["status"] == "queued"
        assert client.post(f"/api/runs/{second}/cancel").status_code == 200
        assert client.get(f"/api/runs/{second}").json()["status"] == "cancelled"
        t0 = time.monotonic()
        assert client.post(f"/api/runs/{first}/cancel").status_code == 200
        assert wait_done(client, first, timeout=20)["status"] == "cancelled"
        assert time.monotonic() - t0 < 15
        assert client.post(f"/api/runs/{first}/cancel").status_code == 409
    assert not (tmp_path / first).exists()


def test_app_subcommand_is_registered():
    from analysis.cli import run_app
    from brainsim.cli import build_parser

    args = build_parser().parse_args(["app", "--port", "0", "--results", "somewhere"])
    assert args.func is run_app and args.port == 0 and args.results == Path("somewhere")
    defaults = build_parser().parse_args(["app"])
    assert defaults.port == 8765 and defaults.results == Path("results/app")


@pytest.mark.slow
def test_real_simulation_through_the_app(tmp_path):
    """0.5 s of an edited profile with the runtime backend (numpy: nothing to compile)."""
    with TestClient(create_app(tmp_path), base_url="http://127.0.0.1") as client:
        body = valid(duration_s=0.5, seed=3, profile=edited(serotonin=0.1),
                     sentences=[{"text": "i feel strong", "onset_s": 0.2}])
        name = client.post("/api/runs", json=body).json()["name"]
        run = wait_done(client, name, timeout=300)
        assert run["status"] == "finished", "\n".join(run["log"])
    assert any("simulated in" in line for line in run["log"])
    loaded = load_run(tmp_path / name)
    assert loaded.meta["backend"] == "runtime" and loaded.duration_ms == 500.0
    assert loaded.meta["profile_signature"]["serotonin"] == 0.1
    assert [s["text"] for s in loaded.meta["sentences"]] == ["i feel strong"]
    assert run["winner"] in run["probabilities"]
    assert set(run["mean_rate_hz"]) == {"pfc", "amygdala", "hippocampus", "thalamus", "striatum"}
    assert (tmp_path / name / "viewer.html").is_file()
    assert (tmp_path / name / "figures" / "readout.png").is_file()


def test_event_streams_end_when_the_server_stops(tmp_path):
    """Ctrl+C sets ``stopping``: an open stream of a running run ends instead of holding up
    uvicorn's shutdown."""
    app = create_app(tmp_path, steps=stub_steps("hang"))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        name = client.post("/api/runs", json=valid()).json()["name"]
        deadline = time.monotonic() + 30
        while not any("hanging" in line for line in client.get(f"/api/runs/{name}").json()["log"]):
            assert time.monotonic() < deadline, "the stub never started"
            time.sleep(0.1)
        app.state.stopping.set()
        t0 = time.monotonic()
        events = client.get(f"/api/runs/{name}/events").text
        assert time.monotonic() - t0 < 5
        assert "hanging" in events and "event: end" not in events
    assert app.state.runner.get(name).status == "cancelled"  # closing the app stopped it


def test_serve_reports_a_busy_port(tmp_path, capsys):
    import socket

    from analysis.app.server import serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert serve(tmp_path / "results", port) == 2
    out = capsys.readouterr().out
    assert f"port {port} on 127.0.0.1 is not available" in out and "--port" in out
    assert not (tmp_path / "results").exists()  # nothing made before the port was had
