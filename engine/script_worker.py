"""The script worker: a separate process that runs BPMN scripts under operating-system limits.

Started by engine/script_pool.py as `python -c "…main()"`. Before it reads any request it caps
its own address space (RLIMIT_AS) and file writes (RLIMIT_FSIZE = 0); before each request it sets
its CPU-time limit (RLIMIT_CPU) to the time used so far plus the request's allowance, so a single
C-level operation that outruns it is killed by the kernel (SIGXCPU), and the server also kills the
worker on a wall-clock deadline. A MemoryError answers cleanly and the worker then retires.

Protocol on a private pipe (stdout is pointed at stderr, so a stray write cannot corrupt it):
frames of a 4-byte big-endian length and a pickle. The server's requests are trusted pickles; the
worker's answers are read by the server with an allow-list unpickler (script_pool.loads).

    request  ("eval" | "exec", source, context, values, function_names, time_limit, max_depth,
              cpu_seconds, max_size)
    answer   ("ok", result) | ("error", kind, message, line, retire)
    callback ("call", name, args, kwargs) → ("return", value) | ("raise", message)
"""
from __future__ import annotations

import os
import pickle
import struct
import sys

HEADER = struct.Struct(">I")


def read_exact(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(HEADER.pack(len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


class _Channel:
    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd

    def receive(self):
        (size,) = HEADER.unpack(read_exact(self.read_fd, HEADER.size))
        return pickle.loads(read_exact(self.read_fd, size))

    def send(self, message) -> None:
        write_frame(self.write_fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _set_limits(memory_bytes: int) -> None:
    import resource
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _cpu_allowance(seconds: float) -> None:
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if _hard != resource.RLIM_INFINITY:
        soft = min(soft, _hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, _hard))


def _stub(channel: _Channel, name: str):
    """A platform function offered to scripts: it runs in the server process (it needs the
    database's calendar and the request's clock); only its arguments and result cross."""
    from engine.script_guards import ScriptError

    def call(*args, **kwargs):
        channel.send(("call", name, args, kwargs))
        answer = channel.receive()
        if answer[0] == "raise":
            raise ScriptError(answer[1])
        return answer[1]
    call.__name__ = name
    return call


def _handle(channel: _Channel, request):
    from engine import script_policy, script_run
    from engine.script_guards import ScriptError, ScriptOverrun, ScriptRefused, ScriptTimeout

    mode, source, context, values, names, time_limit, max_depth, cpu_seconds, max_size = request
    _cpu_allowance(cpu_seconds)
    try:
        code = script_policy.compiled(source, mode)
        extra = dict(values)
        extra.update({name: _stub(channel, name) for name in names})
        if mode == "eval":
            result = script_run.evaluate(code, context, extra, time_limit, max_depth, max_size)
        else:
            result = script_run.execute(code, context, extra, time_limit, max_depth, max_size)
        payload = ("ok", result)
        channel.send(payload)
        return False
    except ScriptError as err:
        kind = next(k.__name__ for k in (ScriptTimeout, ScriptOverrun, ScriptRefused, ScriptError)
                    if isinstance(err, k))
        retire = bool(getattr(err, "retire", False))
        channel.send(("error", kind, str(err), err.line, retire))
        return retire
    except (MemoryError, RecursionError) as err:
        channel.send(("error", "ScriptOverrun", "Kịch bản dùng quá nhiều bộ nhớ và đã bị dừng "
                      f"({type(err).__name__}).", None, True))
        return True


def main() -> None:
    read_fd = 0
    write_fd = os.dup(1)
    os.dup2(2, 1)  # print() or a stray write goes to stderr, never into the protocol
    sys.stdin = open(os.devnull)
    memory_bytes = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # Import everything the scripts need before the limits apply (and so a request runs warm).
    from engine import script_policy, script_run  # noqa: F401
    _set_limits(memory_bytes)
    channel = _Channel(read_fd, write_fd)
    channel.send(("ready", os.getpid()))
    while True:
        try:
            request = channel.receive()
        except (EOFError, OSError):
            return
        try:
            retire = _handle(channel, request)
        except MemoryError:
            return  # the server sees the pipe close and reports the overrun
        if retire:
            return


if __name__ == "__main__":
    main()
