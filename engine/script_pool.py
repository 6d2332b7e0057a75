"""The pool of script worker processes, on the server side.

A script runs in a worker (engine/script_worker.py) whose memory and CPU time the operating system
caps; the server waits for the answer until the script's time limit plus a grace period, then
kills the worker and starts another. So one script cannot freeze or exhaust the server: the thread
that asked gets a clean `ScriptError`, every other request goes on.

- Workers are kept warm (started on first use, reused, replaced in the background after a kill).
- The pool belongs to one process: a forked child (a pre-forking server) drops its inherited
  handles and starts its own workers; at exit the workers are stopped.
- A worker's answers are read with an allow-list unpickler and a size cap: even a worker that
  escaped its sandbox cannot make the server build arbitrary objects or unbounded data.
- Platform functions (`working_days_after`, …) stay in the server: the worker sends the call, the
  server checks the arguments (plain values, bounded numbers), runs it and sends the result.
"""
from __future__ import annotations

import atexit
import io
import math
import os
import pickle
import select
import subprocess
import sys
import threading
import time
import zoneinfo
from decimal import Decimal
from pathlib import Path

from engine import limits as engine_limits
from engine.script_guards import ScriptError, ScriptOverrun, ScriptRefused, ScriptTimeout
from engine.script_worker import HEADER, write_frame

_ROOT = str(Path(__file__).resolve().parent.parent)
_KINDS = {cls.__name__: cls for cls in (ScriptError, ScriptRefused, ScriptTimeout, ScriptOverrun)}
_ALLOWED_GLOBALS = {("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
                    ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"),
                    ("uuid", "UUID"), ("uuid", "SafeUUID"), ("zoneinfo", "ZoneInfo")}


def _zoneinfo_getattr(obj, name):  # what a pickled ZoneInfo needs, and nothing else
    if obj is zoneinfo.ZoneInfo and name == "_unpickle":
        return zoneinfo.ZoneInfo._unpickle
    raise pickle.UnpicklingError("attribute not allowed")


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if (module, name) == ("builtins", "getattr"):
            return _zoneinfo_getattr
        raise pickle.UnpicklingError(f"{module}.{name} not allowed")


def loads(payload: bytes):
    return _SafeUnpickler(io.BytesIO(payload)).load()


class _Gone(Exception):
    """The worker did not answer in time, died, or answered too much: it is killed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Worker:
    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        code = (f"import sys; sys.path.insert(0, {_ROOT!r}); "
                "from engine.script_worker import main; main()")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code, str(memory_mb * 1024 * 1024)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.read_fd, self.write_fd = self.proc.stdout.fileno(), self.proc.stdin.fileno()
        ready = self.receive(time.monotonic() + 30, 1024)
        if ready[0] != "ready":
            self.kill()
            raise _Gone("died")

    def send(self, message) -> None:
        try:
            write_frame(self.write_fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError):
            raise _Gone("died") from None

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, remaining = [], size
        poller = select.poll()
        poller.register(self.read_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while remaining:
            wait = deadline - time.monotonic()
            if wait <= 0 or not poller.poll(wait * 1000):
                raise _Gone("timeout")
            chunk = os.read(self.read_fd, min(remaining, 1 << 20))
            if not chunk:
                raise _Gone("died")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def receive(self, deadline: float, max_bytes: int):
        (size,) = HEADER.unpack(self._read(HEADER.size, deadline))
        if size > max_bytes:
            raise _Gone("too_large")
        try:
            return loads(self._read(size, deadline))
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            raise _Gone("garbled") from None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class Pool:
    def __init__(self):
        self.pid = os.getpid()
        self.idle: list[Worker] = []
        self.count = 0
        self.cond = threading.Condition()

    def _spawn(self, memory_mb: int) -> Worker:
        try:
            return Worker(memory_mb)
        except BaseException:
            with self.cond:
                self.count -= 1
                self.cond.notify()
            raise

    def acquire(self, lim) -> Worker:
        deadline = time.monotonic() + lim.script_worker_wait_seconds
        with self.cond:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.alive() and worker.memory_mb == lim.script_memory_mb:
                        return worker
                    worker.kill()
                    self.count -= 1
                if self.count < max(1, lim.script_workers):
                    self.count += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.cond.wait(remaining):
                    raise ScriptRefused("Hệ thống đang bận chạy các kịch bản khác; hãy thử lại sau.")
        try:
            return self._spawn(lim.script_memory_mb)
        except _Gone:
            raise ScriptRefused("Không khởi động được tiến trình chạy kịch bản.") from None

    def release(self, worker: Worker) -> None:
        with self.cond:
            self.idle.append(worker)
            self.cond.notify()

    def discard(self, worker: Worker, memory_mb: int) -> None:
        """Kill an overrunning worker and start its replacement in the background (kept warm)."""
        worker.kill()

        def replace():
            try:
                fresh = Worker(memory_mb)
            except BaseException:  # noqa: BLE001 - the next request starts one itself
                with self.cond:
                    self.count -= 1
                    self.cond.notify()
                return
            if _pool is not self or os.getpid() != self.pid:
                fresh.kill()
                return
            self.release(fresh)

        threading.Thread(target=replace, name="script-worker-replace", daemon=True).start()

    def shutdown(self) -> None:
        with self.cond:
            workers, self.idle = self.idle, []
            self.count -= len(workers)
        for worker in workers:
            worker.close()  # EOF: the worker exits by itself
        for worker in workers:
            try:
                worker.proc.wait(1)
            except subprocess.TimeoutExpired:
                worker.kill()

    def forget(self) -> None:
        """In a forked child: the workers belong to the parent; close our copies of their pipes."""
        for worker in self.idle:
            worker.close()
        self.idle = []


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool() -> Pool:
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = Pool()
        return _pool


def _after_fork_in_child() -> None:
    global _pool, _pool_lock
    _pool_lock = threading.Lock()
    if _pool is not None:
        _pool.forget()
    _pool = None


def _at_exit() -> None:
    if _pool is not None and _pool.pid == os.getpid():
        _pool.shutdown()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)


def _check_argument(name: str, value, lim) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value) or \
                isinstance(value, Decimal) and not value.is_finite() or \
                abs(value) > lim.script_function_max_number:
            raise ScriptRefused(f"Đối số của hàm «{name}» quá lớn hoặc không hợp lệ "
                                f"(tối đa {lim.script_function_max_number:g}).")
        return
    if isinstance(value, str):
        if len(value) > 200:
            raise ScriptRefused(f"Đối số của hàm «{name}» quá dài.")
        return
    from datetime import date, timedelta
    if isinstance(value, (date, timedelta)):
        return
    raise ScriptRefused(f"Đối số của hàm «{name}» phải là số, chuỗi hoặc ngày giờ.")


def _callback(message, functions: dict, lim):
    _, name, args, kwargs = message
    func = functions.get(name)
    try:
        if func is None or not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise ScriptRefused(f"Hàm «{name}» không có.")
        for value in (*args, *kwargs.values()):
            _check_argument(name, value, lim)
        return ("return", func(*args, **kwargs))
    except ScriptError as err:
        return ("raise", str(err))
    except Exception as err:  # noqa: BLE001 - a platform function's failure is the script's error
        return ("raise", f"Lỗi khi gọi hàm «{name}»: {type(err).__name__}: {err}")


def run(mode: str, source: str, context: dict, extra: dict, time_limit: float):
    """Run one script (`exec`: returns the new task data) or expression (`eval`: its value) in a
    worker; raises a `ScriptError` subclass on any failure, the worker's or its own."""
    lim = engine_limits.current()
    functions = {k: v for k, v in extra.items() if callable(v)}
    values = {k: v for k, v in extra.items() if not callable(v)}
    cpu = math.ceil(time_limit + lim.script_kill_grace_seconds)
    request = (mode, source, context, values, tuple(functions), time_limit,
               lim.script_data_max_depth, cpu, lim.script_output_bytes)
    what = "Biểu thức" if mode == "eval" else "Kịch bản"
    owner = pool()
    worker = owner.acquire(lim)
    deadline = time.monotonic() + time_limit + lim.script_kill_grace_seconds
    try:
        worker.send(request)
        while True:
            answer = worker.receive(deadline, lim.script_output_bytes)
            if answer[0] != "call":
                break
            worker.send(_callback(answer, functions, lim))
    except _Gone as gone:
        owner.discard(worker, lim.script_memory_mb)
        if gone.reason == "timeout":
            raise ScriptTimeout(f"{what} chạy quá thời gian cho phép ({time_limit:g} giây) "
                                "và đã bị dừng.") from None
        if gone.reason == "too_large":
            raise ScriptOverrun(f"{what} tạo ra quá nhiều dữ liệu (quá "
                                f"{lim.script_output_bytes:,} byte) và đã bị dừng.".replace(",", ".")) from None
        raise ScriptOverrun(f"{what} dùng quá nhiều bộ nhớ hoặc thời gian xử lý và đã bị dừng.") from None
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as err:
        owner.discard(worker, lim.script_memory_mb)  # it may be waiting for a frame that never comes
        raise ScriptError(f"Dữ liệu không chuyển được giữa máy chủ và {what.lower()}: "
                          f"{type(err).__name__}: {err}") from None
    if answer[0] == "ok":
        owner.release(worker)
        return answer[1]
    _, kind, message, line, retire = answer
    if retire:
        owner.discard(worker, lim.script_memory_mb)
    else:
        owner.release(worker)
    raise _KINDS.get(kind, ScriptError)(str(message), line=line if isinstance(line, int) else None)
