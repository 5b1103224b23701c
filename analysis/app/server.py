"""The web app's HTTP side: a Starlette application and the uvicorn server behind
``neuroemo app``.

Routes
------
``GET /``
    The page (``static/index.html``; script and style from ``/static``).
``GET /api/profiles``
    Built-in profiles, the range of every profile number, duration bounds, backends.
``GET /api/runs`` / ``POST /api/runs``
    List the runs (this session's queued, running, failed ones and every results folder
    under the root) / start one (JSON body, see :mod:`analysis.app.validation`): 202 with
    the run, or 400 with ``{"error": "one line"}``.
``GET /api/runs/{name}``
    One run: status, stage, log lines, and once finished its summary and file URLs.
``GET /api/runs/{name}/events``
    Server-Sent Events: ``log`` (one output line each), ``status`` (JSON), and ``end`` when
    the run has ended; ``?from=N`` skips the first N log lines.
``POST /api/runs/{name}/cancel``
    Stop a queued or running run.
``GET /results/{name}/{file}``
    The files of the results folders (viewer, figures, protocol file, log).

Errors are JSON ``{"error": "..."}`` with a 4xx status for bad requests; an unexpected
exception gives a 500 with its one-line description and the server goes on.

create_app
    The Starlette application over a results root.
serve
    Bind 127.0.0.1:PORT, print the address, run until Ctrl+C, stop the runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from analysis.app.catalog import list_runs, run_record
from analysis.app.jobs import RUN_NAME, Job, JobRunner, StepFactory
from analysis.app.simulator import (
    BACKENDS,
    MODULATORS,
    PROFILE_NUMBERS,
    REGIONS,
    builtin_profiles,
    number_limits,
)
from analysis.app.validation import (
    DURATION_S,
    MAX_SEED,
    MAX_SENTENCE_CHARS,
    MAX_SENTENCES,
    RequestError,
    parse_run_request,
)
from analysis.colors import EMOTION_COLORS

__all__ = ["create_app", "serve", "DEFAULT_PORT", "DEFAULT_ROOT"]

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_PORT = 8765
DEFAULT_ROOT = Path("results/app")
#: Requests bigger than this are refused (a run request is well under 10 kB).
MAX_BODY_BYTES = 64 * 1024
#: How often an event stream looks for new log lines (seconds).
POLL_S = 0.2


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _job_view(job: Job, root_record: dict[str, Any] | None,
              with_log: bool = False) -> dict[str, Any]:
    """A run of this session merged with its results folder's record (once it exists)."""
    view = {**(root_record or {}), **job.to_dict()}
    if root_record is None:
        view.update(profile=job.request.profile_name, seed=job.request.seed,
                    backend=job.request.backend, duration_s=job.request.duration_s,
                    files={})
    if with_log:
        view["log"] = list(job.log)
    return view


def create_app(root: str | Path = DEFAULT_ROOT, *, steps: StepFactory | None = None,
               runner: JobRunner | None = None,
               allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> Starlette:
    """The Starlette application of ``neuroemo app``.

    Parameters
    ----------
    root : str or Path
        The results root: every run is a results folder directly inside it (created).
    steps : callable, optional
        The command lines of a run (see :class:`analysis.app.jobs.JobRunner`).
    runner : JobRunner, optional
        Use this runner instead of making one (its root wins).
    allowed_hosts : tuple of str
        ``Host`` headers accepted (the page is only served to this machine's browsers; a
        page of another site that resolves its name to 127.0.0.1 is refused).

    Returns
    -------
    starlette.applications.Starlette
        With ``app.state.runner`` (the :class:`JobRunner`), ``app.state.root`` and
        ``app.state.stopping`` (a :class:`threading.Event`: set it and open event streams
        end); the runner's subprocesses are stopped when the application shuts down.
    """
    runner = runner or JobRunner(Path(root), steps=steps)
    root = runner.root
    stopping = threading.Event()  # set by serve() on Ctrl+C: event streams end at once

    def record_of(name: str) -> dict[str, Any] | None:
        return run_record(root / name) if (root / name / "meta.json").is_file() else None

    def lookup(name: str) -> tuple[Job | None, dict[str, Any] | None]:
        if not RUN_NAME.fullmatch(name):
            raise HTTPException(404, f"There is no run named {name!r}.")
        job, record = runner.get(name), record_of(name)
        if job is None and record is None:
            raise HTTPException(404, f"There is no run named {name!r} in {root}.")
        return job, record

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def profiles(request: Request) -> Response:
        return JSONResponse({
            "profiles": builtin_profiles(), "numbers": list(PROFILE_NUMBERS),
            "limits": number_limits(), "duration_s": {"min": DURATION_S[0],
                                                      "max": DURATION_S[1]},
            "max_seed": MAX_SEED, "max_sentences": MAX_SENTENCES,
            "max_sentence_chars": MAX_SENTENCE_CHARS, "backends": BACKENDS,
            "regions": list(REGIONS), "modulators": list(MODULATORS),
            "emotion_colors": dict(EMOTION_COLORS),
            "root": str(root.resolve()),
        })

    async def runs(request: Request) -> Response:
        if request.method == "POST":
            return await start_run(request)
        listed = {r["name"]: r for r in list_runs(root)}
        session = [_job_view(job, listed.pop(job.name, None)) for job in runner.jobs()]
        session.reverse()  # newest first, like the folders
        return JSONResponse({"runs": session + list(listed.values()),
                             "root": str(root.resolve())})

    async def start_run(request: Request) -> Response:
        if "application/json" not in request.headers.get("content-type", ""):
            return _error(415, "Send the run as JSON (Content-Type: application/json).")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"The request is larger than {MAX_BODY_BYTES // 1024} kB.")
        try:
            data = json.loads(body, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
            return _error(400, f"The request is not valid JSON ({err}).")
        try:
            run_request = parse_run_request(data)
        except RequestError as err:
            return _error(400, str(err))
        try:
            job = runner.submit(run_request)
        except RuntimeError as err:
            return _error(503, str(err))
        return JSONResponse(_job_view(job, None), status_code=202)

    async def run_detail(request: Request) -> Response:
        job, record = lookup(request.path_params["name"])
        if job is None:
            return JSONResponse({**record, "log": _saved_log(root / record["name"])})
        return JSONResponse(_job_view(job, record, with_log=True))

    async def cancel(request: Request) -> Response:
        job, _ = lookup(request.path_params["name"])
        if job is None or not runner.cancel(job.name):
            return _error(409, f"{request.path_params['name']} is not queued or running.")
        return JSONResponse({"name": job.name, "cancelling": True})

    async def events(request: Request) -> Response:
        job, record = lookup(request.path_params["name"])
        # a reconnecting EventSource says how far it got in Last-Event-ID
        given = request.headers.get("last-event-id") or request.query_params.get("from", "0")
        try:
            start = max(0, int(given))
        except ValueError:
            return _error(400, "from must be a whole number of log lines.")
        lines = job.log if job is not None else _saved_log(root / record["name"])

        async def stream() -> AsyncIterator[str]:
            sent, last_status = start, None
            yield "retry: 2000\n\n"
            while True:
                ended = job is None or job.done
                while sent < len(lines):
                    yield _event("log", lines[sent], sent + 1)
                    sent += 1
                status = (_job_view(job, record_of(job.name)) if job is not None
                          else record)
                key = (status["status"], status.get("stage"))
                if key != last_status or ended:
                    yield _event("status", json.dumps(status), sent)
                    last_status = key
                if ended and sent >= len(lines):
                    yield _event("end", status["status"], sent)
                    return
                if stopping.is_set():  # the server is shutting down: let it
                    return
                await asyncio.sleep(POLL_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(500, f"The app failed on this request: {type(exc).__name__}: {exc}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        stopping.set()
        await asyncio.to_thread(runner.close)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/api/profiles", profiles),
            Route("/api/runs", runs, methods=["GET", "POST"]),
            Route("/api/runs/{name}", run_detail),
            Route("/api/runs/{name}/events", events),
            Route("/api/runs/{name}/cancel", cancel, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Mount("/results", StaticFiles(directory=root, check_dir=False), name="results"),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.runner = runner
    app.state.root = root
    app.state.stopping = stopping
    return app


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _event(kind: str, data: str, ident: int) -> str:
    body = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"id: {ident}\nevent: {kind}\n{body}\n"


def _saved_log(folder: Path) -> list[str]:
    try:
        return (folder / "app.log").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def serve(root: str | Path = DEFAULT_ROOT, port: int = DEFAULT_PORT, *,
          quiet: bool = False) -> int:
    """Serve the app on ``http://127.0.0.1:PORT/`` until Ctrl+C.

    Parameters
    ----------
    root : str or Path
        Results root (created).
    port : int
        TCP port; 0 picks a free one (the address is printed either way).
    quiet : bool
        Print only the address line.

    Returns
    -------
    int
        Exit status: 0, or 2 when the port is taken.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as err:
        sock.close()
        print(f"neuroemo app: error: port {port} on 127.0.0.1 is not available "
              f"({err.strerror}); choose another with --port (0: any free port).", flush=True)
        return 2
    sock.listen(64)
    app = create_app(root)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    print(f"NeuroEmoDynamics app: {url}  (results in {app.state.root.resolve()}; "
          "Ctrl+C stops it)", flush=True)
    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            # uvicorn waits for open responses before shutting down: end the event streams
            app.state.stopping.set()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, log_level="warning" if not quiet else "error",
                            timeout_graceful_shutdown=5, access_log=False)
    server = Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl+C it handled
        pass
    finally:
        app.state.runner.close()
        sock.close()
    if not quiet:
        print("neuroemo app: stopped", flush=True)
    return 0
