"""Runs of the web app: one queue, one simulation at a time, each in a subprocess.

A run goes through two command lines (:mod:`analysis.app.simulator`): ``python -m brainsim
run protocol.py --out FOLDER`` simulates and writes an ordinary results folder, then
``python -m analysis.app.finish FOLDER`` adds the viewer and the readout figure. Their
output, line by line, is the run's progress log.

While a run is queued or running its files live in ``ROOT/.app-jobs/<name>/`` (the protocol
file and ``app.log``); the results folder ``ROOT/<name>`` is only written by the simulation,
which refuses an existing folder. When the run has finished, ``protocol.py``, ``app.log`` and
``app.json`` (the request, the command lines, the timings) move into the results folder. A
failed or cancelled run keeps its ``.app-jobs`` folder, with the log, for a look.

Subprocesses start in a session of their own: Ctrl+C in the terminal of ``neuroemo app``
reaches the server only, which then stops them (SIGINT, so a simulation removes its partly
written folder, then SIGKILL after a grace period).

Job
    One run: name, request, status, log lines, times, error.
JobRunner
    Queue, worker thread, subprocesses; ``submit``, ``get``, ``jobs``, ``cancel``, ``close``.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.app.simulator import finish_command, make_profile, protocol_source, simulate_command
from analysis.app.validation import RunRequest

__all__ = ["Job", "JobRunner", "Step", "JOBS_DIR", "RUN_NAME", "STATUSES"]

#: Working folder of queued, running, failed and cancelled runs, inside the results root.
JOBS_DIR = ".app-jobs"
#: What a run name (a folder of the results root) may look like.
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+=-]{0,99}")
STATUSES = ("queued", "running", "finished", "failed", "cancelled")
#: Lines kept per run (a run prints a few dozen; this bounds a runaway one).
MAX_LOG_LINES = 2000


@dataclass(frozen=True)
class Step:
    """One command line of a run and the stage it stands for (shown on the page)."""

    stage: str
    command: list[str]
    #: A line written into the log before the command starts, e.g. that compiling takes time.
    note: str = ""
    #: Whether a failure of this step fails the run (the viewer's failure does not).
    required: bool = True


def default_steps(job: Job) -> list[Step]:
    """Simulate the job's protocol file, then make the viewer and the readout figure."""
    note = ("C++ standalone: a network structure (sizes, dt, duration) not compiled before "
            "is built first, about a minute of g++ lines; later runs of it reuse the build."
            if job.request.backend == "cpp_standalone" else
            "Runtime backend, numpy target: nothing to compile, Brian2 starts at once.")
    return [Step("simulating", simulate_command(job.protocol_file, job.folder,
                                                job.request.backend), note),
            Step("drawing the viewer and figures", finish_command(job.folder), required=False)]


@dataclass(eq=False)
class Job:
    """One run of the app.

    Attributes
    ----------
    name : str
        The results folder's name under the results root.
    request : RunRequest
    folder : Path
        The results folder (exists once the simulation has written it).
    workdir : Path
        ``ROOT/.app-jobs/<name>``: protocol file and log while the run is not finished.
    status : str
        One of :data:`STATUSES`.
    stage : str
        What it is doing now, in words.
    log : list of str
        Output lines of its command lines and the app's own notes (``»`` first).
    created, started, ended : float or None
        ``time.time()`` stamps.
    error : str
        One line, when it failed (or a warning when only the viewer failed).
    """

    name: str
    request: RunRequest
    folder: Path
    workdir: Path
    status: str = "queued"
    stage: str = "queued"
    log: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    started: float | None = None
    ended: float | None = None
    error: str = ""
    commands: list[list[str]] = field(default_factory=list)
    _process: subprocess.Popen | None = field(default=None, repr=False)
    _cancel: bool = field(default=False, repr=False)

    @property
    def protocol_file(self) -> Path:
        """Where the protocol file is run from (the work folder)."""
        return self.workdir / "protocol.py"

    @property
    def done(self) -> bool:
        """Whether the run has ended (finished, failed or cancelled)."""
        return self.status in ("finished", "failed", "cancelled")

    def to_dict(self) -> dict[str, Any]:
        """Status for the page: name, status, stage, times, error, number of log lines."""
        now = time.time()
        elapsed = None
        if self.started is not None:
            elapsed = (self.ended or now) - self.started
        return {"name": self.name, "status": self.status, "stage": self.stage,
                "created": datetime.fromtimestamp(self.created).isoformat(timespec="seconds"),
                "elapsed_s": None if elapsed is None else round(elapsed, 1),
                "error": self.error, "log_lines": len(self.log),
                "request": self.request.to_dict()}


StepFactory = Callable[[Job], Sequence[Step]]


class JobRunner:
    """Queue of runs executed one at a time by a worker thread, each step a subprocess.

    Parameters
    ----------
    root : Path
        The results root (created).
    steps : callable, optional
        ``steps(job) -> [Step, ...]``, the command lines of a run (default: simulate, then
        the viewer; tests replace the simulation by a stub).
    env : mapping, optional
        Extra environment variables of the subprocesses.
    grace_s : float
        How long a stopped subprocess has to exit after SIGINT before SIGKILL.
    """

    def __init__(self, root: Path, *, steps: StepFactory | None = None,
                 env: dict[str, str] | None = None, grace_s: float = 10.0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / JOBS_DIR).mkdir(exist_ok=True)
        self.steps = steps or default_steps
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.grace_s = grace_s
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="neuroemo-app-runs",
                                        daemon=True)
        self._worker.start()

    # -- public -------------------------------------------------------------------------
    def submit(self, request: RunRequest) -> Job:
        """Reserve a new results folder name, write the protocol file, queue the run.

        The name is ``<profile>-s<seed>-<YYYYmmdd-HHMMSS>`` with ``-2``, ``-3`` ... added
        when a folder (or a queued run) of that name exists: nothing is ever overwritten.
        """
        if self._closed:
            raise RuntimeError("the app is shutting down")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        stem = f"{request.profile_name}-s{request.seed}-{stamp}"
        with self._lock:
            for k in range(1, 1000):
                name = stem if k == 1 else f"{stem}-{k}"
                folder, workdir = self.root / name, self.root / JOBS_DIR / name
                if name in self._jobs or folder.exists():
                    continue
                try:
                    workdir.mkdir()  # atomic: the reservation
                except FileExistsError:
                    continue
                break
            else:  # pragma: no cover - a thousand runs in one second
                raise RuntimeError(f"no free folder name for {stem}")
            job = Job(name=name, request=request, folder=folder, workdir=workdir)
            self._jobs[name] = job
        profile = make_profile(request.profile_name, request.numbers, request.region_levels,
                               description=f"Edited from {request.base} in neuroemo app."
                               if not request.builtin else "")
        job.protocol_file.write_text(protocol_source(
            profile=profile, builtin=request.builtin, duration_s=request.duration_s,
            seed=request.seed, sentences=request.sentences, run_name=name,
            backend=request.backend), encoding="utf-8")
        self._note(job, f"queued as {name}")
        self._queue.put(job)
        return job

    def get(self, name: str) -> Job | None:
        """The run ``name`` of this session (None for unknown names and earlier sessions)."""
        with self._lock:
            return self._jobs.get(name)

    def jobs(self) -> list[Job]:
        """The runs of this session, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, name: str) -> bool:
        """Stop a queued or running run; False when it has already ended (or is unknown)."""
        job = self.get(name)
        if job is None or job.done:
            return False
        job._cancel = True
        process = job._process
        if process is not None:
            self._stop(process)
        elif job.status == "queued":
            self._end(job, "cancelled", "stopped before it started")
        return True

    def close(self) -> None:
        """Cancel every run, stop the worker thread and the subprocesses (idempotent).

        Waits until the running subprocess has gone (SIGINT, then SIGKILL after
        ``grace_s``), so that no simulation outlives the server.
        """
        if self._closed:
            return
        self._closed = True
        for job in self.jobs():
            self.cancel(job.name)
        self._queue.put(None)
        self._worker.join(self.grace_s + 15.0)

    # -- worker -------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.done:
                continue
            try:
                self._run(job)
            except Exception as err:  # never let one run stop the queue
                self._note(job, f"the app failed to run this: {type(err).__name__}: {err}")
                self._end(job, "failed", f"{type(err).__name__}: {err}")

    def _run(self, job: Job) -> None:
        if job._cancel:  # cancelled while the worker was picking it up
            return
        job.status, job.started = "running", time.time()
        for step in self.steps(job):
            if job._cancel:
                break
            job.stage = step.stage
            job.commands.append(step.command)
            self._note(job, " ".join(_quote(a) for a in step.command))
            if step.note:
                self._note(job, step.note)
            code = self._execute(job, step.command)
            if job._cancel:
                break
            if code != 0:
                reason = _last_error(job.log) or f"exit status {code}"
                if step.required:
                    self._end(job, "failed", reason)
                    return
                job.error = f"{step.stage} failed: {reason}"
        if job._cancel:
            self._end(job, "cancelled", "stopped on request")
            return
        self._keep_files(job)
        self._end(job, "finished", job.error)

    def _execute(self, job: Job, command: list[str]) -> int:
        try:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, text=True, bufsize=1, errors="replace",
                env=self.env, start_new_session=True)
        except OSError as err:
            self._note(job, f"cannot start {command[0]}: {err}")
            return 127
        job._process = process
        if job._cancel:  # cancelled between the check and the start
            self._stop(process)
        assert process.stdout is not None
        with open(job.workdir / "app.log", "a", encoding="utf-8") as log:
            for line in process.stdout:  # text mode: "\r" progress updates end lines too
                line = line.rstrip()
                if line:
                    self._add(job, line)
                    log.write(line + "\n")
                    log.flush()
        code = process.wait()
        job._process = None
        return code

    def _stop(self, process: subprocess.Popen) -> None:
        """SIGINT to the subprocess's session (a run cleans up), SIGKILL if it lingers."""
        def stop() -> None:
            for sig, wait in ((signal.SIGINT, self.grace_s), (signal.SIGKILL, 5.0)):
                if process.poll() is not None:
                    return
                try:
                    os.killpg(process.pid, sig)  # its own session: the pid is the group id
                except (ProcessLookupError, PermissionError):
                    return
                try:
                    process.wait(wait)
                except subprocess.TimeoutExpired:
                    continue
        threading.Thread(target=stop, daemon=True).start()

    # -- bookkeeping ----------------------------------------------------------------------
    def _add(self, job: Job, line: str) -> None:
        if len(job.log) < MAX_LOG_LINES:
            job.log.append(line)
        elif len(job.log) == MAX_LOG_LINES:
            job.log.append(f"» (log truncated after {MAX_LOG_LINES} lines)")

    def _note(self, job: Job, text: str) -> None:
        line = f"» {text}"
        self._add(job, line)
        try:
            with open(job.workdir / "app.log", "a", encoding="utf-8") as log:
                log.write(line + "\n")
        except OSError:
            pass

    def _end(self, job: Job, status: str, error: str) -> None:
        job.ended = time.time()
        job.error = error
        job.stage = status
        after = f" after {job.ended - job.started:.1f} s" if job.started else ""
        self._note(job, f"{status}{after}{': ' + error if error else ''}")
        job.status = status  # last: a page that sees the status has the whole log

    def _keep_files(self, job: Job) -> None:
        """Move protocol file, log and ``app.json`` into the finished results folder."""
        if not (job.folder / "meta.json").is_file():
            raise RuntimeError(f"the simulation ended without writing {job.folder}")
        record = {"request": job.request.to_dict(), "commands": job.commands,
                  "created": datetime.fromtimestamp(job.created).isoformat(timespec="seconds"),
                  "elapsed_s": round(time.time() - (job.started or job.created), 2),
                  "warning": job.error}
        (job.folder / "app.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        for name in ("protocol.py", "app.log"):
            if (job.workdir / name).exists() and not (job.folder / name).exists():
                shutil.move(str(job.workdir / name), str(job.folder / name))
        shutil.rmtree(job.workdir, ignore_errors=True)
        job.workdir = job.folder


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else repr(arg)


def _last_error(lines: Sequence[str]) -> str:
    """The line that says why a command failed: its ``error:`` line, else its last line."""
    for line in reversed(lines):
        if "error:" in line.lower() or line.startswith(("Traceback", "ConfigError",
                                                        "NeuroEmoError")):
            return line.strip()[:300]
    for line in reversed(lines):
        if not line.startswith("»"):
            return line.strip()[:300]
    return ""
