"""Shared helpers of the bench-* scripts (Python 3 standard library only).

Everything here talks to 127.0.0.1 only, every wait is bounded, and every
process started through `start_server` is killed when the script exits
(atexit plus SIGINT/SIGTERM/SIGHUP handlers).
"""

import array
import atexit
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_children = []
_tempdirs = []


def say(msg=""):
    print(msg, flush=True)


def die(msg):
    print(f"error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# --------------------------------------------------------------------------
# Cleanup: every child process and temp dir goes when the script ends.


def _cleanup():
    for p in reversed(_children):
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=10)
            except Exception:
                pass
    for d in _tempdirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(signum, _frame):
    # sys.exit runs atexit, which kills the servers.
    sys.exit(128 + signum)


atexit.register(_cleanup)
for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def make_tempdir(prefix, keep=False):
    d = tempfile.mkdtemp(prefix=prefix)
    if not keep:
        _tempdirs.append(d)
    return d


# --------------------------------------------------------------------------
# Ports, limits, builds.


def free_port():
    """A loopback port that was free a moment ago (the kernel's choice)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raise_nofile(need):
    """Raises this process's open-files limit (inherited by the servers it
    starts) to at least `need` if it can. Returns (soft, hard, message)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    msg = None
    if hard != resource.RLIM_INFINITY and hard < need:
        try:
            # Raising the hard limit needs CAP_SYS_RESOURCE (root here).
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
            msg = f"raised the hard open-files limit from {hard} to {need}"
            hard = need
        except (ValueError, OSError):
            msg = f"the hard open-files limit is {hard}, below the {need} this run needs, and cannot be raised"
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft, hard, msg


def build_release(skip):
    """`cargo build --release` of the shell and the default logic library;
    returns (hotkv binary, logic library)."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = os.path.join(target, "release", "hotkv")
    lib = os.path.join(target, "release", "libhotkv_logic.so")
    if not skip:
        say("building: cargo build --release -p hotkv -p hotkv-logic")
        r = subprocess.run(["cargo", "build", "--release", "-p", "hotkv", "-p", "hotkv-logic"], cwd=ROOT,
                           capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            die(f"cargo build failed:\n{r.stderr[-4000:]}")
    for f in (binary, lib):
        if not os.path.isfile(f):
            die(f"{f} is missing (build it with cargo build --release)")
    return binary, lib


def copy_atomically(src, dst):
    """Copy to a temporary name, then rename: never write into a file that a
    running server may have mapped (HOTSWAP-RULES 1)."""
    tmp = f"{dst}.tmp{os.getpid()}"
    shutil.copyfile(src, tmp)
    os.rename(tmp, dst)


def need_tool(name):
    path = shutil.which(name)
    if not path:
        die(f"{name} not found on PATH")
    return path


def redis_server_version():
    out = subprocess.run([need_tool("redis-server"), "--version"], capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"v=(\S+)", out)
    return m.group(1) if m else "?"


# --------------------------------------------------------------------------
# A minimal RESP client.


class RespError(Exception):
    pass


class Conn:
    """One blocking RESP connection with a timeout on every call."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by the server")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            if kind == b"=":
                data = data[4:]  # "txt:" of a verbatim string
            return data.decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RespError(f"unexpected reply line {line!r}")

    def cmd(self, *args):
        self.send(*args)
        return self.read()

    def info(self, section=None):
        text = self.cmd("INFO", section) if section else self.cmd("INFO")
        out = {}
        for line in text.splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k.strip()] = v.strip()
        return out


def try_ping(port, timeout=0.5):
    """True if the server at `port` answers PING with PONG."""
    try:
        c = Conn(port, timeout=timeout)
        try:
            return c.cmd("PING") == "PONG"
        finally:
            c.close()
    except (OSError, RespError, ConnectionError):
        return False


def keys_in_db0(conn):
    m = re.match(r"keys=(\d+)", conn.info("keyspace").get("db0", "keys=0"))
    return int(m.group(1)) if m else 0


# --------------------------------------------------------------------------
# Servers.


class Server:
    def __init__(self, name, argv, port, log_path):
        self.name, self.argv, self.port, self.log_path = name, argv, port, log_path
        self.proc = None

    def start(self, timeout=30.0, poll=0.01):
        """Starts the process and waits until it answers PING (tried every
        `poll` seconds); `started_in` is the seconds from exec to PONG."""
        t0 = time.monotonic()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _children.append(self.proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                die(f"{self.name} exited with status {self.proc.returncode} at start; see {self.log_path}:\n{self.tail_log()}")
            if try_ping(self.port):
                self.started_in = time.monotonic() - t0
                return self
            time.sleep(poll)
        die(f"{self.name} did not answer PING within {timeout:.0f} s; see {self.log_path}")

    def tail_log(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, timeout=30.0):
        """SHUTDOWN NOSAVE, then kill if it does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            c = Conn(self.port, timeout=2)
            c.send("SHUTDOWN", "NOSAVE")
            try:
                c.read()
            except (OSError, RespError, ConnectionError):
                pass
            c.close()
        except OSError:
            pass
        if not self.wait_exit(timeout):
            self.proc.kill()
            self.proc.wait(timeout=10)


def hotkv_server(binary, port, workdir, logic, extra=()):
    os.makedirs(workdir, exist_ok=True)
    argv = [binary, "--port", str(port), "--dir", workdir, "--logic", logic, *extra]
    return Server("hotkv", argv, port, os.path.join(workdir, "hotkv.log"))


def redis_server(port, workdir, extra=()):
    os.makedirs(workdir, exist_ok=True)
    argv = [need_tool("redis-server"), "--port", str(port), "--bind", HOST, "--dir", workdir,
            "--daemonize", "no", "--appendonly", "no", "--protected-mode", "no", *extra]
    return Server("redis-server", argv, port, os.path.join(workdir, "redis.log"))


# --------------------------------------------------------------------------
# Loading keys.


def key_name(i):
    return b"key:%010d" % i


def value_of(i, size):
    """A string value of `size` bytes: 'v' and the key's number, zero-padded
    (never a canonical integer, so neither server stores it int-encoded)."""
    if size <= 1:
        return b"v"
    return b"v" + (b"%0*d" % (size - 1, i))[-(size - 1):]


def resp_command(args):
    """One command as RESP (a multibulk of byte strings)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def write_commands(path, n, command_of):
    """Writes `command_of(i)` (a list of byte strings) for i in 0..n as RESP to `path`."""
    with open(path, "wb") as f:
        step = 100_000
        for lo in range(0, n, step):
            f.write(b"".join(resp_command(command_of(i)) for i in range(lo, min(n, lo + step))))


def load_commands(port, n, name, command_of, workdir, timeout=300):
    """Sends `command_of(i)` for i in 0..n with `redis-cli --pipe` (the
    RESP file is cached in `workdir` under `name`); returns seconds taken.
    Dies unless every command got a non-error reply."""
    path = os.path.join(workdir, f"load-{n}-{name}.resp")
    if not os.path.exists(path):
        write_commands(path, n, command_of)
    t = time.monotonic()
    with open(path, "rb") as f:
        r = subprocess.run([need_tool("redis-cli"), "-h", HOST, "-p", str(port), "--pipe"], stdin=f,
                           capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - t
    m = re.search(r"errors:\s*(\d+),\s*replies:\s*(\d+)", r.stdout)
    if r.returncode != 0 or not m or int(m.group(1)) != 0 or int(m.group(2)) != n:
        die(f"loading {n} commands ({name}) into port {port} failed:\n{r.stdout}{r.stderr}")
    return elapsed


def load_keys(port, n, value_size, workdir, timeout=300):
    """Loads n string keys `key:%010d` with values of `value_size` bytes;
    returns seconds taken."""
    return load_commands(port, n, f"set-{value_size}",
                         lambda i: [b"SET", key_name(i), value_of(i, value_size)], workdir, timeout)


# --------------------------------------------------------------------------
# Many idle connections.


def open_connections(port, count, timeout=120.0, batch=100):
    """Opens `count` connections, `batch` at a time: blocking connects, then
    a PING on each of the batch, so that the server has accepted them all
    before the next batch (a burst larger than the listen backlog would get
    SYNs dropped and resent a second later). Returns (sockets, slow): `slow`
    counts connects that still took over 0.5 s. Dies if it cannot open them
    all within `timeout`."""
    socks = []
    slow = 0
    deadline = time.monotonic() + timeout
    try:
        while len(socks) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(socks)} connections opened in {timeout:.0f} s")
            group = []
            for _ in range(min(batch, count - len(socks))):
                t = time.monotonic()
                s = socket.create_connection((HOST, port), timeout=10)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                group.append(s)
                if time.monotonic() - t > 0.5:
                    slow += 1
            socks.extend(group)
            ok, dropped, silent = ping_all(group, timeout=max(1.0, deadline - time.monotonic()))
            if ok != len(group):
                raise ConnectionError(f"{dropped} of a batch of {len(group)} dropped, {silent} silent")
    except (OSError, TimeoutError) as e:
        for s in socks:
            s.close()
        die(f"opening {count} connections to port {port}: {e} (after {len(socks)})")
    return socks, slow


def listen_backlog(port):
    """The accept-queue limit of the listener on `port` (ss's Send-Q), or None."""
    try:
        out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, timeout=5).stdout
        return int(out.split()[2])
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        return None


def describe_open(socks, slow, seconds, port):
    note = ""
    if slow:
        note = (f"; {slow} connect(s) waited for a SYN retransmission (listen backlog "
                f"{listen_backlog(port) or '?'} overflowed while the server was not accepting)")
    return f"opened {len(socks):,} connections in {seconds:.2f} s{note}"


def ping_all(socks, timeout=30.0):
    """Sends PING on every socket and waits for the replies.

    Returns (answered, dropped, silent): PONG received; closed or reset by
    the peer; nothing before the deadline."""
    sel = selectors.DefaultSelector()
    bufs = {}
    dropped = 0
    for s in socks:
        try:
            s.setblocking(False)
            s.send(b"PING\r\n")
            sel.register(s, selectors.EVENT_READ)
            bufs[s] = b""
        except OSError:
            dropped += 1
    answered = 0
    deadline = time.monotonic() + timeout
    while bufs and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=min(0.5, max(0.0, deadline - time.monotonic()))):
            s = key.fileobj
            try:
                data = s.recv(64)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                dropped += 1
            else:
                bufs[s] += data
                if b"\r\n" not in bufs[s]:
                    continue
                if bufs[s].startswith(b"+PONG\r\n"):
                    answered += 1
                else:
                    dropped += 1  # an error reply: the connection is not usable as it was
            sel.unregister(s)
            del bufs[s]
    silent = len(bufs)
    sel.close()
    for s in socks:
        try:
            s.setblocking(True)
        except OSError:
            pass
    return answered, dropped, silent


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


# --------------------------------------------------------------------------
# Probers: one process each, PING in a tight loop, every reply timestamped.


def prober_main(port, out_path, stop_evt, reconnect, max_seconds, max_samples=8_000_000):
    """Runs in a child process (multiprocessing 'spawn'). Writes the
    CLOCK_MONOTONIC time of every successful PING reply to `out_path` as
    doubles. With `reconnect`, a dropped connection is retried every 0.5 ms
    (to time a restart from a client's point of view)."""
    ts = array.array("d")
    sock = None
    buf = b""
    deadline = time.monotonic() + max_seconds
    i = 0
    while True:
        i += 1
        if (i & 255) == 0 and (stop_evt.is_set() or time.monotonic() > deadline or len(ts) >= max_samples):
            break
        if sock is None:
            try:
                sock = socket.create_connection((HOST, port), timeout=2)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(5)
                buf = b""
            except OSError:
                sock = None
                if not reconnect:
                    break
                time.sleep(0.0005)
                continue
        try:
            sock.sendall(b"PING\r\n")
            while b"\r\n" not in buf:
                data = sock.recv(64)
                if not data:
                    raise ConnectionError("closed")
                buf += data
            line, _, buf = buf.partition(b"\r\n")
        except OSError:
            sock.close()
            sock = None
            if not reconnect:
                break
            continue
        if line == b"+PONG":
            ts.append(time.monotonic())
        else:
            time.sleep(0.0005)  # -LOADING and the like: not an answer yet
    with open(out_path, "wb") as f:
        ts.tofile(f)


class Probers:
    def __init__(self, port, count, workdir, reconnect=False, max_seconds=600):
        import multiprocessing as mp
        ctx = mp.get_context("spawn")  # not fork: children must not inherit the benchmark's sockets
        os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")  # nor write __pycache__ into scripts/
        self.stop_evt = ctx.Event()
        self.paths = [os.path.join(workdir, f"prober-{port}-{i}.bin") for i in range(count)]
        self.procs = [ctx.Process(target=prober_main, args=(port, p, self.stop_evt, reconnect, max_seconds), daemon=True)
                      for p in self.paths]
        for p in self.procs:
            p.start()

    def wait_running(self, timeout=20.0):
        """Gives the spawned interpreters time to start and connect."""
        time.sleep(min(timeout, 1.0))

    def stop(self, timeout=30.0):
        """Stops them; returns one sorted array of reply times per prober."""
        self.stop_evt.set()
        out = []
        for proc, path in zip(self.procs, self.paths):
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            ts = array.array("d")
            try:
                with open(path, "rb") as f:
                    ts.frombytes(f.read())
            except OSError:
                pass
            out.append(ts)
        return out


def max_gap_in(ts, t0, t1):
    """Longest interval between consecutive replies that overlaps [t0, t1]
    (the last reply before t0 to the first one after t1 included)."""
    import bisect
    if len(ts) < 2:
        return None
    i0 = max(0, bisect.bisect_right(ts, t0) - 1)
    i1 = min(len(ts) - 1, bisect.bisect_left(ts, t1))
    if i1 <= i0:
        return None
    return max(ts[j + 1] - ts[j] for j in range(i0, i1))


def max_gap_outside(ts, windows):
    """Longest interval between consecutive replies that overlaps none of
    the (sorted, disjoint) windows."""
    import bisect
    best, j = 0.0, 0
    for w0, w1 in sorted(windows) + [(float("inf"), float("inf"))]:
        # Intervals j..k-1 end before w0 (ts[k] is the first reply at or after w0).
        k = min(len(ts), bisect.bisect_left(ts, w0))
        for i in range(j, k - 1):
            best = max(best, ts[i + 1] - ts[i])
        # Skip the intervals that overlap the window.
        j = max(j, min(len(ts), bisect.bisect_right(ts, w1)))
    return best


def fmt_us(seconds):
    return "-" if seconds is None else f"{seconds * 1e6:,.0f} us"


def fmt_ms(seconds):
    return "-" if seconds is None else f"{seconds * 1e3:,.1f} ms"


def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2
