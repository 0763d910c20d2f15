#!/usr/bin/env python3
"""Regenerates Sources/logport/agent.order: the order the release linker lays out the code of
`logport`, so that what the agent runs while shipping sits together, then what only its start-up
runs, then everything else (the broker, processor, console, ...).

    sudo python3 scripts/agent-code-order.py [--rounds 4]

Why: the kernel maps an executable's code in 64 KiB windows around every page it runs
(fault-around), and one binary holds every role, so an agent whose code is spread over 28 MB
of text kept 11 MiB of it resident. Packed, and with start-up pages released once running
(`StartupPages`), it keeps a few MiB. Names missing from the file (renamed functions) are
ignored by the linker, so a stale file costs memory, never correctness; rerun this after large
changes to the agent and commit the result.

How: each round builds the release binary with a link map, ships 300,000 nginx lines from a
private copy of it into a `logport broker` (librdkafka, zstd, acks=all, as the benchmark), and
records exactly which pages it touches: the copy's page cache is emptied and readahead is off
(`/sys/block/*/queue/read_ahead_kb`, restored after), so a page is resident only if it ran. The
pages cached when the agent logs "agent running" are start-up; after that the profiler pages the
agent's read-only mappings out (process_madvise MADV_PAGEOUT), and the pages it faults back
in while shipping are steady state. A page shared by code that ran and code that did not makes
both look touched; shuffling the steady sections each round and keeping only those touched in
every round removes most of those. Needs root (the sysfs setting and process_madvise).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import ctypes
import mmap
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import agent_vs_rsyslog as bench  # noqa: E402  (log generator and agent config)

ORDER = REPO / "Sources" / "logport" / "agent.order"
PAGE = 4096
WINDOW = 64 * 1024  # the kernel's fault-around
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def build(map_path: Path) -> Path:
    # SwiftPM does not know the link depends on the order file: remove the binary to relink.
    (REPO / ".build" / "release" / "logport").unlink(missing_ok=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "logport", "-Xlinker", f"-Map={map_path}"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return REPO / ".build" / "release" / "logport"


def text_sections(map_path: Path) -> list[list]:
    """Input sections of .text from an lld map: [address, size, name, [symbols]]."""
    section = re.compile(r"^\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(\S.*:\((\.text[^)]*)\))$")
    symbol = re.compile(r"^\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+\s{10,}(\S+)$")
    sections, current = [], None
    for line in open(map_path):
        if match := section.match(line):
            current = [int(match.group(1), 16), int(match.group(2), 16), match.group(3), []]
            sections.append(current)
        elif ":(" in line:
            current = None
        elif current is not None and (match := symbol.match(line)):
            current[3].append(match.group(1))
    sections.sort(key=lambda s: s[0])
    return sections


def mappings(pid: int, binary: Path) -> list[tuple[int, int, str, int]]:
    result = []
    for line in open(f"/proc/{pid}/maps"):
        fields = line.split()
        if len(fields) >= 6 and fields[5] == str(binary):
            start, end = (int(x, 16) for x in fields[0].split("-"))
            result.append((start, end, fields[1], int(fields[2], 16)))
    return result


def resident_addresses(pid: int, binary: Path) -> list[int]:
    """Link-time addresses of the binary's pages in the process's page table."""
    maps = mappings(pid, binary)
    base = maps[0][0] - maps[0][3]
    result = []
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end, _, _ in maps:
            pagemap.seek(start // PAGE * 8)
            data = pagemap.read((end - start) // PAGE * 8)
            for i in range(len(data) // 8):
                if struct.unpack_from("<Q", data, i * 8)[0] >> 63:
                    result.append(start + i * PAGE - base)
    return result


def load_segments(binary: Path) -> list[tuple[int, int, int]]:
    """(file offset, address, file size) of each PT_LOAD segment of a 64-bit little-endian ELF."""
    with open(binary, "rb") as file:
        header = file.read(64)
        program_headers, entry_size, count = struct.unpack_from("<Q", header, 32)[0], *struct.unpack_from("<HH", header, 54)
        file.seek(program_headers)
        table = file.read(entry_size * count)
    segments = []
    for i in range(count):
        kind, _, offset, address, _, file_size = struct.unpack_from("<IIQQQQ", table, i * entry_size)
        if kind == 1:  # PT_LOAD
            segments.append((offset, address, file_size))
    return segments


def cached_addresses(binary: Path) -> list[int]:
    """Link-time addresses of the binary's pages in the page cache (mincore)."""
    size = binary.stat().st_size
    fd = os.open(binary, os.O_RDONLY)
    address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    pages = (size + PAGE - 1) // PAGE
    vector = (ctypes.c_ubyte * pages)()
    if libc.mincore(ctypes.c_void_p(address), ctypes.c_size_t(size), vector) != 0:
        raise OSError(ctypes.get_errno(), "mincore")
    libc.munmap(ctypes.c_void_p(address), ctypes.c_size_t(size))
    os.close(fd)
    segments = load_segments(binary)
    result = []
    for page in range(pages):
        if vector[page] & 1:
            offset = page * PAGE
            for file_offset, address, length in segments:
                if file_offset <= offset < file_offset + length:
                    result.append(address + offset - file_offset)
                    break
    return result


def page_out(pid: int, binary: Path) -> None:
    pidfd = libc.syscall(434, pid, 0)  # pidfd_open
    if pidfd < 0:
        raise OSError(ctypes.get_errno(), "pidfd_open")
    for start, end, permissions, _ in mappings(pid, binary):
        if permissions in ("r-xp", "r--p"):
            vector = IOVec(start, end - start)
            if libc.syscall(440, pidfd, ctypes.byref(vector), 1, 21, 0) < 0:  # process_madvise(MADV_PAGEOUT)
                raise OSError(ctypes.get_errno(), "process_madvise")
    os.close(pidfd)


def profile(built: Path, work: Path) -> tuple[list[int], list[int]]:
    """(start-up pages, steady-state pages) of an agent shipping 300,000 lines."""
    binary = work / "logport"
    shutil.copy(built, binary)
    os.sync()
    fd = os.open(binary, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
    log = work / "access.log"
    bench.write_log(log, 300_000)
    port = bench.free_port()
    broker = subprocess.Popen([str(built), "broker", "--data-dir", str(work / "broker"), "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    readahead = sorted(Path("/sys/block").glob("*/queue/read_ahead_kb"))
    saved = {path: path.read_text() for path in readahead}
    try:
        time.sleep(1.5)
        (work / "agent").mkdir()
        config = work / "agent.yaml"
        config.write_text(bench.AGENT_RAW_CONFIG.format(data_dir=work / "agent", log=log, bootstrap=f"127.0.0.1:{port}", topic="t"))
        for path in readahead:
            path.write_text("0")
        agent = subprocess.Popen([str(binary), "agent", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for line in agent.stderr:
            if b"agent running" in line:
                break
        agent.send_signal(signal.SIGSTOP)
        startup = cached_addresses(binary)
        page_out(agent.pid, binary)
        agent.send_signal(signal.SIGCONT)
        threading.Thread(target=lambda: [None for _ in agent.stderr], daemon=True).start()
        time.sleep(10)
        steady = resident_addresses(agent.pid, binary)
        agent.send_signal(signal.SIGTERM)
        agent.wait(15)
        return startup, steady
    finally:
        for path, value in saved.items():
            path.write_text(value)
        broker.kill()
        broker.wait()


def touched(sections: list[list], pages: list[int]) -> list[int]:
    """Indexes of the sections worth moving: touched, and smaller than the 64 KiB windows they
    would keep resident where they are."""
    starts = [s[0] for s in sections]
    hit: dict[int, set[int]] = {}
    for page in sorted(set(pages)):
        i = bisect.bisect_right(starts, page + PAGE - 1) - 1
        while i >= 0 and sections[i][0] + sections[i][1] > page:
            if sections[i][1] > 0:
                hit.setdefault(i, set()).add(page)
            i -= 1
    chosen = []
    for i, pages_hit in sorted(hit.items()):
        windows = len({p // WINDOW for p in pages_hit})
        if sections[i][1] <= 16 * 1024 or sections[i][1] <= windows * WINDOW:
            chosen.append(i)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: it turns readahead off for the profile and pages the agent's code out (process_madvise)")
    kept_steady: set[str] | None = None
    with tempfile.TemporaryDirectory(prefix="agent-order-") as temporary:
        temporary = Path(temporary)
        for round_number in range(1, args.rounds + 1):
            map_path = temporary / "logport.map"
            built = build(map_path)
            sections = text_sections(map_path)
            work = temporary / f"round{round_number}"
            work.mkdir()
            startup_pages, steady_pages = profile(built, work)
            steady = touched(sections, steady_pages)
            if kept_steady is not None:
                steady = [i for i in steady if sections[i][2] in kept_steady]
            kept_steady = {sections[i][2] for i in steady}
            in_steady = set(steady)
            startup = [i for i in touched(sections, startup_pages) if i not in in_steady]
            if round_number < args.rounds:
                random.shuffle(steady)
            # A name several objects define (a local helper) would pull all of those forward.
            defined = collections.Counter(name for s in sections for name in s[3])
            names = [name for i in steady + startup for name in sections[i][3] if defined[name] == 1]
            ORDER.write_text("\n".join(names) + "\n")
            size = lambda indexes: sum(sections[i][1] for i in indexes) // 1024  # noqa: E731
            print(f"round {round_number}: steady state {len(steady)} sections {size(steady)} KiB, "
                  f"start-up only {len(startup)} sections {size(startup)} KiB; {len(names)} symbols", flush=True)
    (REPO / ".build" / "release" / "logport").unlink(missing_ok=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "logport"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    print(f"wrote {ORDER.relative_to(REPO)}")


if __name__ == "__main__":
    main()
