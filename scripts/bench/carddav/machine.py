"""machine.py: what bench-carddav reads about processes and the machine from /proc.

Peak and current memory of a server (VmHWM, RssAnon), the CPU time of processes, and how
busy the rest of the machine was while the benchmark ran: the figures of a benchmark on
a shared machine are only as quiet as the machine was, so the table says how quiet that
was. Linux only; Python standard library only.
"""
import os
import threading
import time


def proc_status(pid, key):
    """A /proc/PID/status value in KiB, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def proc_ticks(pid):
    """(command, parent PID, CPU ticks) of a process, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return stat[stat.index("(") + 1:stat.rindex(")")], int(fields[1]), \
        int(fields[11]) + int(fields[12])


def machine_ticks():
    """(busy, total) CPU ticks of the whole machine since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


class Sampler(threading.Thread):
    """Samples every process's CPU time twice a second while the benchmark runs, to say
    afterwards which other processes were busy. Processes living less than half a second
    are not seen; in a container, processes outside its PID namespace are not either
    (machine_ticks() still counts them)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.first, self.last = {}, {}
        self.stopping = threading.Event()
        self.sample(initial=True)

    def sample(self, initial=False):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                t = proc_ticks(int(entry))
                if t:
                    key = (int(entry), t[0])
                    self.first.setdefault(key, (t[1], t[2] if initial else 0))
                    self.last[key] = t[2]

    def run(self):
        while not self.stopping.wait(0.5):
            self.sample()

    def others(self, ours):
        """[(command, CPU seconds)] of processes not ours nor our children, most first."""
        hz = os.sysconf("SC_CLK_TCK")
        used = {}
        for (pid, comm), ticks in self.last.items():
            ppid, start = self.first[(pid, comm)]
            if pid in ours or ppid in ours:
                continue
            if ticks > start:
                used[comm] = used.get(comm, 0) + (ticks - start) / hz
        return sorted(used.items(), key=lambda kv: -kv[1])


class CpuWindow:
    """The share of the machine's CPU that processes other than the benchmark (servers,
    wrk, this script) used between start() and percent_others()."""

    def __init__(self, pids):
        self.pids = pids

    def ours(self):
        t = os.times()
        hz = os.sysconf("SC_CLK_TCK")
        ticks = (t.user + t.system + t.children_user + t.children_system) * hz
        for pid in self.pids():
            p = proc_ticks(pid)
            ticks += p[2] if p else 0
        return ticks

    def start(self):
        self.m0, self.o0 = machine_ticks(), self.ours()

    def percent_others(self):
        m1, o1 = machine_ticks(), self.ours()
        busy, total = m1[0] - self.m0[0], m1[1] - self.m0[1]
        if total < os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1) / 2:
            return None  # under half a second: no meaningful share
        return max(0.0, 100.0 * (busy - (o1 - self.o0)) / total)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def wait_idle(pid, limit=180.0, step=0.3):
    """Wait until the process used no more than one clock tick of CPU in `step` seconds,
    at most `limit` seconds; returns the seconds waited. A server may still be working
    on requests whose client (wrk) has gone: Radicale finishes a 40-second PROPFIND it
    can no longer send, and that would be charged to the next server's run."""
    start = time.monotonic()
    prev = proc_ticks(pid)
    while prev is not None and time.monotonic() - start < limit:
        time.sleep(step)
        cur = proc_ticks(pid)
        if cur is None or cur[2] - prev[2] <= 1:
            break
        prev = cur
    return time.monotonic() - start
