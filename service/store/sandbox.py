"""What a worker process may do, enforced by the operating system: no network, bounded memory.

The service runs user queries, posted RDF and query checks in worker processes (service/store/query_workers.py). Each
worker calls `enter_sandbox` before it reads a task:

- No network: a seccomp filter (installed with PR_SET_NO_NEW_PRIVS, so no privilege is needed, and
  synchronised to every thread of the process) makes `socket()` fail with EPERM for every address family
  but AF_UNIX, which the worker's own pipe to the service uses. `io_uring_setup` (a way round syscall
  filters) and the foreign system-call ABIs (x32, i386 on x86-64) are refused the same way. A SPARQL
  SERVICE or LOAD that some future parser gap let through, a remote JSON-LD context, an owl:imports:
  none of them can open a connection, whatever library tries. The filter is inherited by every thread
  and child and cannot be removed.
- Bounded memory: RLIMIT_DATA (private writable memory: the heap of Python and of pyoxigraph, thread
  stacks) is set to what the process uses after its imports plus a budget (`WORKER_MEMORY_DEFAULT`,
  INTEGRATION_KG_WORKER_MEMORY). Store files mapped by RocksDB are shared or read-only mappings and do
  not count, unlike under RLIMIT_AS. Past the limit an allocation fails: Python raises MemoryError (the
  task answers 503), Rust aborts the process (the pool sees it die, answers 503 and starts another).
"""

from __future__ import annotations

import ctypes
import platform
import resource
import socket
import struct

WORKER_MEMORY_DEFAULT = 1024**3
"""Bytes of private memory a worker may use beyond what it holds after start-up and its copy of the graph."""

COPY_BYTES_PER_TRIPLE = 600
"""What a copy of the graph in memory is allowed per triple (it takes about 400-450 bytes; a margin)."""

COPY_LOAD_BYTES = 256 * 1024**2
"""What loading a copy is allowed besides (pyoxigraph's bulk loader allocates buffers of 200 MB)."""

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_EPERM = 0x00050000 | 1  # SECCOMP_RET_ERRNO | EPERM

# architecture: (AUDIT_ARCH_*, seccomp syscall, socket syscall, io_uring_setup syscall, foreign-ABI bit)
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 317, 41, 425, 0x40000000),
    "aarch64": (0xC00000B7, 277, 198, 425, 0),
}

_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_JGE_K = 0x05 | 0x30 | 0x00
_BPF_RET_K = 0x06 | 0x00


class SandboxUnavailable(RuntimeError):
    """The operating system would not install the network filter: the worker must not run."""


def _statement(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, if_true: int, if_false: int) -> bytes:
    return struct.pack("HBBI", code, if_true, if_false, k)


def network_filter(machine: str | None = None) -> bytes:
    """The BPF program: EPERM for socket() of any family but AF_UNIX, for io_uring and foreign ABIs."""
    machine = machine or platform.machine()
    if machine not in _ARCHITECTURES:
        raise SandboxUnavailable(f"no network filter for the {machine} architecture")
    arch, _, socket_nr, io_uring_nr, foreign_bit = _ARCHITECTURES[machine]
    program = [
        _statement(_BPF_LD_W_ABS, 4),  # seccomp_data.arch
        _jump(_BPF_JEQ_K, arch, 1, 0),
        _statement(_BPF_RET_K, _SECCOMP_RET_EPERM),  # another ABI (i386 on x86-64): refuse every call
        _statement(_BPF_LD_W_ABS, 0),  # seccomp_data.nr
    ]
    if foreign_bit:
        program += [
            _jump(_BPF_JGE_K, foreign_bit, 0, 1),  # x32 system calls
            _statement(_BPF_RET_K, _SECCOMP_RET_EPERM),
        ]
    program += [
        _jump(_BPF_JEQ_K, io_uring_nr, 0, 1),
        _statement(_BPF_RET_K, _SECCOMP_RET_EPERM),
        _jump(_BPF_JEQ_K, socket_nr, 1, 0),
        _statement(_BPF_RET_K, _SECCOMP_RET_ALLOW),
        _statement(_BPF_LD_W_ABS, 16),  # the low half of seccomp_data.args[0]: the address family
        _jump(_BPF_JEQ_K, socket.AF_UNIX, 0, 1),
        _statement(_BPF_RET_K, _SECCOMP_RET_ALLOW),
        _statement(_BPF_RET_K, _SECCOMP_RET_EPERM),
    ]
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_network() -> None:
    """Install the network filter in this process, for good; raise SandboxUnavailable if the kernel refuses."""
    program = network_filter()
    _, seccomp_nr, *_ = _ARCHITECTURES[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: errno {ctypes.get_errno()}")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    result = libc.syscall(
        ctypes.c_long(seccomp_nr),
        ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    if result != 0:
        raise SandboxUnavailable(f"seccomp(SECCOMP_SET_MODE_FILTER) failed: errno {ctypes.get_errno()}")


def private_memory() -> int:
    """Bytes of private writable memory this process has mapped now (VmData, what RLIMIT_DATA counts)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


class MemoryLimit:
    """This process's limit on private memory (RLIMIT_DATA): `budget` bytes beyond what it held when the
    limit was set (its imports), widened for a copy of a graph in memory (`allow_copy`). Budget 0: no limit.
    The worker loop holds it and hands it to the build it opens."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.baseline = private_memory() if budget > 0 else 0
        self.limit = self._set(0)

    def _set(self, extra: int) -> int:
        if self.budget <= 0:
            return 0
        limit = self.baseline + self.budget + extra
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
        return limit

    def allow_copy(self, triples: int) -> int:
        """Widen the limit (if there is one) by what a copy of a graph of `triples` triples may take: the
        budget stays on top of the copy. Returns the limit in bytes (0: none)."""
        extra = COPY_BYTES_PER_TRIPLE * triples + COPY_LOAD_BYTES if triples else 0
        self.limit = self._set(extra)
        return self.limit


def enter_sandbox(memory_budget: int) -> MemoryLimit:
    """Everything a worker process does before its first task: the network filter, then the memory limit."""
    deny_network()
    return MemoryLimit(memory_budget)


def describe_bytes(count: int) -> str:
    """1073741824 → "1 GiB", for messages that name a limit."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            value = count / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{count} bytes"


def try_connect(host: str, port: int) -> str:
    """Try to open a TCP connection from this process: "connected", or the error that stopped it. How the
    tests (and an operator) see that a worker is sandboxed."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return "connected"
    except OSError as error:
        return f"refused: {error.strerror or error}"
