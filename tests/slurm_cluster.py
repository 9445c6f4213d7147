"""A one-node Slurm cluster on this machine, for the tests and the shard benchmark.

Debian's ``munge``, ``slurmctld``, ``slurmd`` and ``slurm-client`` (``.ci/run``
installs them), run as root: munged, slurmctld and slurmd are started in that
order, in the foreground as children of this process, with every file they
write (key copy, sockets, state, spool, logs) under one folder and ports of
their own, so nothing of the machine's own Slurm is touched. `stop` ends them
in reverse order and waits for them: nothing is left running.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scontrol", "sinfo")
MUNGE_KEY = Path("/etc/munge/munge.key")


def unavailable() -> str | None:
    """Why a cluster cannot be started here, or None."""
    missing = [name for name in (*DAEMONS, *CLIENTS) if shutil.which(name) is None]
    for folder in ("/usr/sbin", "/sbin"):
        missing = [m for m in missing if not (Path(folder) / m).exists()]
    if missing:
        return (
            f"Slurm is not installed here ({', '.join(missing)} missing): .ci/run installs "
            "slurmctld, slurmd, slurm-client and munge with apt-get"
        )
    if os.geteuid() != 0:
        return "the one-node Slurm cluster runs its daemons as root, and this is not root"
    if not MUNGE_KEY.is_file():
        return f"{MUNGE_KEY} is missing: the munge package creates it when installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/sbin"):
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    raise FileNotFoundError(name)


class Cluster:
    """munged + slurmctld + slurmd under *root*; `env` points Slurm's clients at it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processes: list[subprocess.Popen[bytes]] = []
        self.conf = root / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}

    def _write(self) -> None:
        r = self.root
        for sub in ("munge", "state", "spool", "log"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        (r / "munge").chmod(0o755)
        key = r / "munge" / "key"
        shutil.copyfile(MUNGE_KEY, key)
        key.chmod(0o600)
        host = socket.gethostname()
        ctld, slurmd = _free_port(), _free_port()
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=llmexec",
                    f"SlurmctldHost={host}",
                    f"SlurmctldPort={ctld}",
                    f"SlurmdPort={slurmd}",
                    "AuthType=auth/munge",
                    f"AuthInfo=socket={r}/munge/socket",
                    "CredType=cred/munge",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    f"StateSaveLocation={r}/state",
                    f"SlurmdSpoolDir={r}/spool",
                    f"SlurmctldPidFile={r}/slurmctld.pid",
                    f"SlurmdPidFile={r}/slurmd.pid",
                    f"SlurmctldLogFile={r}/log/slurmctld.log",
                    f"SlurmdLogFile={r}/log/slurmd.log",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core",
                    "MpiDefault=none",
                    "ReturnToService=2",
                    "DependencyParameters=kill_invalid_depend",
                    "JobCompType=jobcomp/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "AccountingStorageType=accounting_storage/none",
                    "MinJobAge=3600",
                    "KillWait=5",
                    f"NodeName={host} CPUs={os.cpu_count() or 1} State=UNKNOWN",
                    "PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            ),
            encoding="utf-8",
        )

    def _start(self, *command: str, log: str) -> None:
        out = (self.root / "log" / log).open("ab")
        self.processes.append(
            subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=self.env)
        )
        out.close()

    def start(self, timeout: float = 120.0) -> Cluster:
        self._write()
        r = self.root
        self._start(
            _binary("munged"),
            "--foreground",
            "--force",
            f"--socket={r}/munge/socket",
            f"--key-file={r}/munge/key",
            f"--log-file={r}/log/munged.log",
            f"--pid-file={r}/munge/pid",
            f"--seed-file={r}/munge/seed",
            log="munged.out",
        )
        self._wait(lambda: (r / "munge" / "socket").exists(), timeout, "munged's socket")
        self._start(_binary("slurmctld"), "-D", "-i", "-f", str(self.conf), log="slurmctld.out")
        time.sleep(1)
        self._start(_binary("slurmd"), "-D", "-f", str(self.conf), log="slurmd.out")
        self._wait(self._idle, timeout, "the node to be idle (sinfo)")
        return self

    def _idle(self) -> bool:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args[0]} exited with {process.returncode}: see {self.root}/log"
                )
        result = self.run("sinfo", "-h", "-o", "%t", check=False)
        return result.returncode == 0 and result.stdout.strip() == "idle"

    def _wait(self, ready: object, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if callable(ready) and ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the one-node Slurm cluster did not come up: no {what} in {timeout}s")

    def run(
        self, *command: str, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, env=self.env, cwd=cwd, capture_output=True, text=True, check=check, timeout=60
        )

    def job(self, job_id: str) -> dict[str, str]:
        """``scontrol show job``'s fields (the last array task's, for an array)."""
        fields: dict[str, str] = {}
        for word in self.run("scontrol", "-o", "show", "job", job_id).stdout.split():
            key, sep, value = word.partition("=")
            if sep:
                fields[key] = value
        return fields

    def wait_done(self, job_ids: list[str], timeout: float) -> None:
        """Wait until none of *job_ids* (arrays included) is pending or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queued = self.run("squeue", "-h", "-o", "%i", "-j", ",".join(job_ids), check=False)
            if queued.returncode == 0 and not queued.stdout.strip():
                return
            time.sleep(1)
        raise TimeoutError(f"jobs {', '.join(job_ids)} still queued after {timeout}s")

    def stop(self) -> None:
        self.run("scancel", "--full", "--user=root", check=False)
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        self.processes = []

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
