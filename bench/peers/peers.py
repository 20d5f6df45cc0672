"""Python TaskShed 0.10.0 on Redis, through the scenarios of `taskshed-bench`.

Prints ONE JSON document on stdout (also written to --out if given); everything else goes
to stderr. Run it through run_peers.sh, which prepares the venv and redis-server.

Scenarios (sizes as in src/bin/taskshed-bench/scenarios.rs, `Sizes::full` / `Sizes::quick`):
  s1  insert: `AsyncScheduler.add_tasks` with batches of 1,000 from 4 concurrent clients,
      then one `add_task` per call from 32 concurrent callers, for a fixed time.
  s2  burn-down: N tasks already due (N = 100,000; 10,000 with --quick), then a fresh
      `EventDrivenWorker` is started; rate = executions between the first and the last
      callback; every task must run exactly once.
  s3  lateness: tasks due at 1,000/s for 30 s (5 s with --quick); each callback records
      time.time(); lateness = that time - the task's run_at.
Each scenario runs against every Redis persistence setting asked for, each on its own
fresh redis-server (its own port and temp dir).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from importlib import metadata

BATCH = 1000
BATCH_CLIENTS = 4  # as BATCH_CLIENTS in scenarios.rs
SINGLE_CALLERS = 32  # as SINGLE_CLIENTS in scenarios.rs
LATENESS_RATE = 1000

PERSISTENCE = {
    # Redis's usual durable setting: every write appended to the AOF, fsync once a second
    # (a crash loses up to ~1 s of acknowledged writes). The fair peer of our PostgreSQL
    # with fsync on, though still weaker than a commit that waits for its fsync.
    "aof-everysec": ["--appendonly", "yes", "--appendfsync", "everysec"],
    # Memory only: no RDB snapshots, no AOF. Nothing survives a restart.
    "none": ["--appendonly", "no"],
    # Every write fsynced before the reply: closest to a durable commit (not run by default).
    "aof-always": ["--appendonly", "yes", "--appendfsync", "always"],
}


def log(*args):
    print("peers:", *args, file=sys.stderr, flush=True)


def quantile(sorted_samples, q):
    """Same rule as `quantile` in src/bin/taskshed-bench/load.rs."""
    if not sorted_samples:
        return None
    return sorted_samples[round((len(sorted_samples) - 1) * q)]


def sizes(quick: bool) -> dict:
    if quick:
        return dict(batch_tasks=20_000, single_secs=2, burndown=10_000, lateness_secs=5)
    return dict(batch_tasks=200_000, single_secs=10, burndown=100_000, lateness_secs=30)


# ---------------------------------------------------------------------------------- redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_version() -> str:
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    return out.stdout.strip()


class RedisServer:
    """A throwaway redis-server on a free loopback port with its own temp dir."""

    def __init__(self, persistence: str):
        self.persistence = persistence
        self.dir = tempfile.mkdtemp(prefix="taskshed-peers-redis-")
        self.port = free_port()
        args = [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", self.dir,
            "--save", "",
            "--daemonize", "no",
            "--logfile", os.path.join(self.dir, "redis.log"),
            *PERSISTENCE[persistence],
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.dir}/redis.log")
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def proc_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def self_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def redis_client(port: int):
    from redis.asyncio import Redis

    return Redis(host="127.0.0.1", port=port, decode_responses=True)


async def redis_config(port: int) -> dict:
    r = await redis_client(port)
    try:
        info = await r.info("server")
        persistence = await r.info("persistence")
        cfg = await r.config_get("appendonly")
        cfg.update(await r.config_get("appendfsync"))
        cfg.update(await r.config_get("save"))
        return {
            "redis_version": info.get("redis_version"),
            "appendonly": cfg.get("appendonly"),
            "appendfsync": cfg.get("appendfsync"),
            "save": cfg.get("save"),
            "aof_enabled": persistence.get("aof_enabled"),
        }
    finally:
        await r.aclose()


async def flush(port: int):
    r = await redis_client(port)
    try:
        await r.flushall()
    finally:
        await r.aclose()


# ---------------------------------------------------------------------------------- S1


def _make_stack(port: int, with_worker: bool):
    """The stack of TaskShed's docs: one RedisDataStore shared by scheduler and worker."""
    from taskshed.datastores import RedisConfig, RedisDataStore
    from taskshed.schedulers import AsyncScheduler
    from taskshed.workers import EventDrivenWorker

    datastore = RedisDataStore(RedisConfig(host="127.0.0.1", port=port))
    worker = None
    if with_worker:
        async def bench(**kwargs):
            return None

        worker = EventDrivenWorker(callback_map={"bench": bench}, datastore=datastore)
    return datastore, AsyncScheduler(datastore=datastore, worker=worker), worker


def insert_client(mode, port, prefix, work, coroutines, barrier, results):
    """One S1 client process: `coroutines` concurrent callers on one AsyncScheduler.

    mode "batch": `work` is the number of batches of 1,000 for this process.
    mode "single": `work` is the duration in seconds.
    """
    from taskshed.models import Task

    far = datetime.now(timezone.utc) + timedelta(days=1)
    far_ts = far.timestamp()

    async def main():
        _, scheduler, worker = _make_stack(port, with_worker=True)
        await scheduler.start()
        await worker.start()
        # Task objects are built before the clock starts, as the Rust bench builds its
        # request bodies before it starts; serialising them is inside the timed part.
        batches = []
        if mode == "batch":
            for b in range(work + 2):
                batches.append([
                    Task(callback="bench", run_at=far, kwargs={"due": far_ts},
                         task_id=f"{prefix}{b}-{i}")
                    for i in range(BATCH)
                ])
            warm, batches = batches[:2], batches[2:]
            for batch in warm:
                await scheduler.add_tasks(batch)
        else:
            warm_until = time.perf_counter() + 1.0
            while time.perf_counter() < warm_until:
                await scheduler.add_task(callback="bench", run_at=far, kwargs={"due": far_ts})
        barrier.wait()  # warmed up; the parent empties Redis
        barrier.wait()  # go
        latencies = []
        done = 0
        cpu0 = self_cpu_seconds()
        start = time.time()
        if mode == "batch":
            queue = list(batches)

            async def caller():
                nonlocal done
                while queue:
                    batch = queue.pop()
                    t = time.perf_counter()
                    await scheduler.add_tasks(batch)
                    latencies.append(time.perf_counter() - t)
                    done += len(batch)
        else:
            until = time.perf_counter() + work

            async def caller():
                nonlocal done
                while time.perf_counter() < until:
                    t = time.perf_counter()
                    await scheduler.add_task(callback="bench", run_at=far,
                                             kwargs={"due": far_ts})
                    latencies.append(time.perf_counter() - t)
                    done += 1

        await asyncio.gather(*(caller() for _ in range(coroutines)))
        end = time.time()
        cpu = self_cpu_seconds() - cpu0
        await worker.shutdown()
        await scheduler.shutdown()
        results.put({"start": start, "end": end, "done": done, "latencies": latencies,
                     "cpu_s": cpu})

    asyncio.run(main())


def run_inserts(port, mode, processes, coroutines, work_total):
    """Runs `processes` client processes; returns the aggregate figures."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    if mode == "batch":
        per = [work_total // processes + (1 if p < work_total % processes else 0)
               for p in range(processes)]
    else:
        per = [work_total] * processes
    procs = [
        ctx.Process(target=insert_client,
                    args=(mode, port, f"p{p}-", per[p], coroutines, barrier, results))
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)
    asyncio.run(flush(port))
    redis_cpu0 = proc_cpu_seconds(REDIS.proc.pid)
    barrier.wait(timeout=60)
    out = [results.get(timeout=600) for _ in procs]
    redis_cpu = proc_cpu_seconds(REDIS.proc.pid) - redis_cpu0
    for p in procs:
        p.join(timeout=60)
    stored = asyncio.run(zcard(port))
    elapsed = max(o["end"] for o in out) - min(o["start"] for o in out)
    done = sum(o["done"] for o in out)
    lat = sorted(x for o in out for x in o["latencies"])
    return {
        "processes": processes,
        "coroutines_per_process": coroutines,
        "calls": len(lat),
        "tasks": done,
        "stored": stored,
        "elapsed_s": elapsed,
        "tasks_per_s": done / elapsed,
        "call_p50_ms": quantile(lat, 0.5) * 1e3,
        "call_p99_ms": quantile(lat, 0.99) * 1e3,
        "redis_cpu_cores": redis_cpu / elapsed,
        # CPU-seconds are far less sensitive to a busy machine than wall-clock rates.
        "python_cpu_s": sum(o["cpu_s"] for o in out),
        "redis_cpu_s": redis_cpu,
        "tasks_per_cpu_s": done / (sum(o["cpu_s"] for o in out) + redis_cpu),
    }


async def zcard(port: int) -> int:
    r = await redis_client(port)
    try:
        return await r.zcard("scheduler:task_queue")
    finally:
        await r.aclose()


def s1(port, sz):
    out = {}
    batches = sz["batch_tasks"] // BATCH
    log(f"S1 batch: {sz['batch_tasks']} tasks in batches of {BATCH}, "
        f"{BATCH_CLIENTS} processes x 1 coroutine")
    out["batch_4proc"] = run_inserts(port, "batch", BATCH_CLIENTS, 1, batches)
    log(f"  {out['batch_4proc']['tasks_per_s']:.0f} tasks/s")
    log(f"S1 batch: same, 1 process x {BATCH_CLIENTS} coroutines")
    out["batch_1proc"] = run_inserts(port, "batch", 1, BATCH_CLIENTS, batches)
    log(f"  {out['batch_1proc']['tasks_per_s']:.0f} tasks/s")
    log(f"S1 single: add_task for {sz['single_secs']} s, {BATCH_CLIENTS} processes x "
        f"{SINGLE_CALLERS // BATCH_CLIENTS} coroutines")
    out["single_4proc"] = run_inserts(port, "single", BATCH_CLIENTS,
                                      SINGLE_CALLERS // BATCH_CLIENTS, sz["single_secs"])
    log(f"  {out['single_4proc']['tasks_per_s']:.0f} tasks/s")
    log(f"S1 single: same, 1 process x {SINGLE_CALLERS} coroutines")
    out["single_1proc"] = run_inserts(port, "single", 1, SINGLE_CALLERS, sz["single_secs"])
    log(f"  {out['single_1proc']['tasks_per_s']:.0f} tasks/s")
    asyncio.run(flush(port))
    return out


# ---------------------------------------------------------------------------------- S2


async def load_tasks(port, prefix, runs_at):
    """Loads tasks through a scheduler without a worker (nothing runs while loading)."""
    from taskshed.datastores import RedisConfig, RedisDataStore
    from taskshed.models import Task
    from taskshed.schedulers import AsyncScheduler

    scheduler = AsyncScheduler(RedisDataStore(RedisConfig(host="127.0.0.1", port=port)))
    await scheduler.start()
    t = time.perf_counter()
    for first in range(0, len(runs_at), BATCH):
        await scheduler.add_tasks([
            Task(callback="bench", run_at=run_at, kwargs={"i": i, "due": run_at.timestamp()},
                 task_id=f"{prefix}{i}")
            for i, run_at in enumerate(runs_at[first:first + BATCH], start=first)
        ])
    elapsed = time.perf_counter() - t
    await scheduler.shutdown()
    return elapsed


async def s2_async(port, n):
    from taskshed.datastores import RedisConfig, RedisDataStore
    from taskshed.workers import EventDrivenWorker

    await flush(port)
    base = datetime.now(timezone.utc) - timedelta(seconds=60)
    loading = await load_tasks(port, "b", [base - timedelta(microseconds=n - i)
                                           for i in range(n)])
    loaded = await zcard(port)
    log(f"S2: loaded {loaded} due tasks in {loading:.2f} s")

    times = []
    ids = []

    async def bench(i, due):
        times.append(time.time())
        ids.append(i)

    worker = EventDrivenWorker(callback_map={"bench": bench},
                               datastore=RedisDataStore(RedisConfig(host="127.0.0.1",
                                                                    port=port)))
    cpu0, rcpu0 = self_cpu_seconds(), REDIS.cpu_seconds()
    started = time.time()
    await worker.start()  # processes every due task before returning
    last = (len(ids), time.time())
    while len(ids) < n:
        await asyncio.sleep(0.05)
        if len(ids) > last[0]:
            last = (len(ids), time.time())
        elif time.time() - last[1] > 30:
            log(f"S2: stalled at {len(ids)} of {n}")
            break
    finished = time.time()
    cpu, rcpu = self_cpu_seconds() - cpu0, REDIS.cpu_seconds() - rcpu0
    await asyncio.sleep(0.2)
    left = await zcard(port)
    await worker.shutdown()

    unique = len(set(ids))
    first, last_t = min(times), max(times)
    window = last_t - first
    rate = (len(times) - 1) / window if window > 0 else None
    wall = finished - started
    return {
        "tasks": n,
        "loaded": loaded,
        "loading_s": loading,
        "executed": unique,
        "executions": len(ids),
        "duplicates": len(ids) - unique,
        "missing": n - unique,
        "left_in_redis_queue": left,
        # The headline: worker start -> last callback (see README, "S2").
        "start_to_last_per_s": len(times) / (last_t - started),
        # The Rust bench's own definition (first -> last receipt); degenerate here, since
        # this worker reads every due task before it runs the first callback.
        "first_to_last_per_s": rate,
        "first_to_last_window_s": window,
        "worker_start_to_first_s": first - started,
        "worker_start_to_last_s": last_t - started,
        "python_cpu_cores": cpu / wall,
        "redis_cpu_cores": rcpu / wall,
        "python_cpu_s": cpu,
        "redis_cpu_s": rcpu,
        "tasks_per_cpu_s": n / (cpu + rcpu),
    }


def s2(port, sz):
    n = sz["burndown"]
    log(f"S2 burn-down: {n} tasks already due, a fresh EventDrivenWorker")
    out = asyncio.run(s2_async(port, n))
    log(f"  {out['start_to_last_per_s']:.0f}/s worker start->last "
        f"({out['worker_start_to_last_s']:.2f} s; first callback after "
        f"{out['worker_start_to_first_s']:.2f} s, then {out['first_to_last_per_s']:.0f}/s "
        f"first->last); executed "
        f"{out['executed']}, duplicates {out['duplicates']}")
    asyncio.run(flush(port))
    return out


# ---------------------------------------------------------------------------------- S3


async def s3_async(port, rate, secs):
    await flush(port)
    n = rate * secs
    late = {}
    executions = 0

    async def bench(i, due):
        nonlocal executions
        now = time.time()
        executions += 1
        if i not in late:
            late[i] = now - due

    from taskshed.datastores import RedisConfig, RedisDataStore
    from taskshed.models import Task
    from taskshed.schedulers import AsyncScheduler
    from taskshed.workers import EventDrivenWorker

    # The documented stack: scheduler and worker share a datastore, the scheduler tells the
    # worker about new tasks.
    datastore = RedisDataStore(RedisConfig(host="127.0.0.1", port=port))
    worker = EventDrivenWorker(callback_map={"bench": bench}, datastore=datastore)
    scheduler = AsyncScheduler(datastore=datastore, worker=worker)
    await scheduler.start()
    await worker.start()

    # Lead time to finish loading before the first task is due: the Rust bench's 3 s +
    # 20 us/task is far too short for Python on a busy machine (30,000 tasks took 6.6 s
    # to load at a load average of 18), and loading while tasks fall due spoils the tail.
    lead = 3.0 + n * 500e-6
    t0 = datetime.now(timezone.utc) + timedelta(seconds=lead)
    loaded_at = time.perf_counter()
    for first in range(0, n, BATCH):
        await scheduler.add_tasks([
            Task(callback="bench", run_at=run_at, kwargs={"i": i, "due": run_at.timestamp()},
                 task_id=f"l{i}")
            for i in range(first, min(n, first + BATCH))
            for run_at in [t0 + timedelta(microseconds=round(i * 1e6 / rate))]
        ])
    loading = time.perf_counter() - loaded_at
    overran = datetime.now(timezone.utc) > t0
    if overran:
        log(f"S3 warning: loading took {loading:.2f} s, past the first due time")
    t0_ts = t0.timestamp()
    while time.time() < t0_ts:
        await asyncio.sleep(0.05)
    cpu0, rcpu0 = self_cpu_seconds(), REDIS.cpu_seconds()
    window_start = time.time()
    end = t0_ts + secs
    deadline = end + 10
    while time.time() < deadline:
        if time.time() > end and len(late) >= n:
            break
        await asyncio.sleep(0.05)
    wall = time.time() - window_start
    cpu, rcpu = self_cpu_seconds() - cpu0, REDIS.cpu_seconds() - rcpu0
    await worker.shutdown()
    await scheduler.shutdown()

    lat = sorted(late.values())
    worst = [0.0] * (secs + 1)
    for i, v in late.items():
        s = min(int(i / rate), secs)
        worst[s] = max(worst[s], v * 1e3)
    ms = lambda q: quantile(lat, q) * 1e3 if lat else None  # noqa: E731
    return {
        "rate": rate,
        "secs": secs,
        "tasks": n,
        "executed": len(late),
        "executions": executions,
        "duplicates": executions - len(late),
        "early": sum(1 for v in lat if v < 0),
        "min_ms": lat[0] * 1e3 if lat else None,
        "p50_ms": ms(0.5),
        "p99_ms": ms(0.99),
        "p999_ms": ms(0.999),
        "max_ms": lat[-1] * 1e3 if lat else None,
        "loading_s": loading,
        "lead_s": lead,
        # False means loading was still going on when tasks fell due: discard the figure.
        "loaded_before_first_due": not overran,
        "python_cpu_cores": cpu / wall,
        "redis_cpu_cores": rcpu / wall,
        "python_cpu_s": cpu,
        "redis_cpu_s": rcpu,
        "worst_lateness_ms_per_second": [round(w, 3) for w in worst],
    }


def s3(port, sz):
    secs = sz["lateness_secs"]
    log(f"S3 lateness: {LATENESS_RATE} tasks/s for {secs} s")
    out = asyncio.run(s3_async(port, LATENESS_RATE, secs))
    log(f"  p50 {out['p50_ms']:.2f} ms, p99 {out['p99_ms']:.2f} ms, max {out['max_ms']:.2f} ms,"
        f" early {out['early']}, executed {out['executed']}/{out['tasks']}, "
        f"duplicates {out['duplicates']}")
    return out


# ---------------------------------------------------------------------------------- main

REDIS: RedisServer | None = None


def headline(run: dict) -> dict:
    h = {}
    if "batch_4proc" in run.get("s1", {}):
        h["s1_batch_tasks_per_s"] = run["s1"]["batch_4proc"]["tasks_per_s"]
        h["s1_single_tasks_per_s"] = run["s1"]["single_4proc"]["tasks_per_s"]
    if "start_to_last_per_s" in run.get("s2", {}):
        h["s2_burndown_per_s"] = run["s2"]["start_to_last_per_s"]
        h["s2_first_to_last_per_s"] = run["s2"]["first_to_last_per_s"]
        h["s2_executed"] = run["s2"]["executed"]
        h["s2_duplicates"] = run["s2"]["duplicates"]
    if "p99_ms" in run.get("s3", {}):
        h["s3"] = {k: run["s3"][k] for k in
                   ("rate", "secs", "p50_ms", "p99_ms", "max_ms", "early", "executed",
                    "duplicates")}
    return h


def main():
    global REDIS
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    ap.add_argument("--scenarios", default="s1,s2,s3")
    ap.add_argument("--persistence", default="aof-everysec,none",
                    help="comma list of: " + ", ".join(PERSISTENCE) +
                    "; the first one gives the top-level figures")
    ap.add_argument("--burndown", type=int, help="S2 size (default 100,000; 10,000 quick)")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    modes = [m.strip() for m in args.persistence.split(",") if m.strip()]
    for s in scenarios:
        if s not in ("s1", "s2", "s3"):
            ap.error(f"unknown scenario {s}")
    for m in modes:
        if m not in PERSISTENCE:
            ap.error(f"unknown persistence {m}")
    sz = sizes(args.quick)
    if args.burndown:
        sz["burndown"] = args.burndown

    doc = {
        "tool": "bench/peers (Python TaskShed on Redis)",
        "quick": args.quick,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sizes": sz,
        "versions": {
            "python": platform.python_version(),
            "taskshed": metadata.version("taskshed"),
            "redis_py": metadata.version("redis"),
            "redis_server": redis_server_version(),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "kernel": platform.release(),
            "loadavg_start": os.getloadavg(),
        },
        "primary_persistence": modes[0],
        "runs": {},
    }
    failed = []
    for mode in modes:
        log(f"=== Redis persistence: {mode} ===")
        REDIS = RedisServer(mode)
        try:
            run = {"redis": asyncio.run(redis_config(REDIS.port)),
                   "redis_args": PERSISTENCE[mode]}
            for s in scenarios:
                load = os.getloadavg()
                try:
                    run[s] = {"s1": s1, "s2": s2, "s3": s3}[s](REDIS.port, sz)
                except Exception as e:  # keep the other scenarios' figures
                    log(f"{s} failed: {e!r}")
                    logging.exception("%s failed", s)
                    run[s] = {"error": repr(e)}
                    failed.append(f"{mode}/{s}")
                    asyncio.run(flush(REDIS.port))
                run[s]["loadavg_before"] = load
            run["headline"] = headline(run)
            doc["runs"][mode] = run
        finally:
            REDIS.stop()
            REDIS = None
    doc["failed"] = failed
    doc["machine"]["loadavg_end"] = os.getloadavg()
    doc["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    # Top-level figures from the first (primary) persistence setting.
    primary = doc["runs"][modes[0]]
    top = {"persistence": modes[0], **headline(primary)}
    doc = {**{k: v for k, v in doc.items() if k != "runs"}, **top, "runs": doc["runs"]}
    text = json.dumps(doc, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
