"""``formcheck batch --ray ADDRESS`` on a two-node Ray cluster on this machine (``make batch-cluster-test``).

A head and a worker node, each ``ray start --block`` in a process of its own on loopback, one CPU
each, so the batch's two actors run on two nodes. Skipped unless FORMCHECK_CLUSTER_TEST=1: starting a
cluster takes a while and its ports are the machine's (Ray listens beyond loopback: the make target
sets a token that every node and driver of the run must present). The nodes are stopped by their process ids
(``ray stop`` would stop every Ray on the machine).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

ray = pytest.importorskip("ray", reason="the scale extra (pip install 'formcheck[scale]')")
pytestmark = pytest.mark.skipif(
    os.environ.get("FORMCHECK_CLUSTER_TEST") != "1", reason="a two-node cluster: make batch-cluster-test"
)

RAY = str(Path(sys.executable).parent / "ray")
SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
CLIPS = ("deadlift_rounded_back.mp4", "plank_sagging_hips.mp4", "squat_clean.mp4", "pushup_hip_sag.mp4")
STRIDE = "4"
NODES_UP_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node(*args: str, temp_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    return subprocess.Popen(
        [RAY, "start", "--block", "--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats", *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=temp_dir,
    )


def _stop(node: subprocess.Popen) -> None:
    """The node's own process group (``--block`` takes its Ray processes down with it on SIGTERM)."""
    if node.poll() is None:
        os.killpg(node.pid, signal.SIGTERM)
        try:
            node.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait()


@pytest.fixture(scope="module")
def cluster():
    """The address of a running head and worker node, two CPUs in all, which only processes given
    the run's token can join (RAY_AUTH_MODE=token and RAY_AUTH_TOKEN, set by the make target before
    Ray is imported: it reads them then)."""
    temp = Path("/tmp") / f"fc-ray-{os.getpid()}"  # Ray's socket paths must stay short
    temp.mkdir(exist_ok=True)
    port = _free_port()
    address = f"127.0.0.1:{port}"
    head = _node("--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}", temp_dir=temp)
    nodes = [head]
    try:
        _wait_for_port(port, head)
        nodes.append(_node(f"--address={address}", temp_dir=temp))
        _wait_for_cpus(address, 2)
        yield address
    finally:
        for node in reversed(nodes):
            _stop(node)
        shutil.rmtree(temp, ignore_errors=True)


def _wait_for_port(port: int, head: subprocess.Popen) -> None:
    deadline = time.monotonic() + NODES_UP_S
    while time.monotonic() < deadline:
        assert head.poll() is None, "the head node did not start"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail("the head node did not open its port")


def _wait_for_cpus(address: str, cpus: int) -> None:
    probe = (
        "import ray, sys, time\n"
        f"ray.init(address={address!r}, log_to_driver=False)\n"
        f"deadline = time.monotonic() + {NODES_UP_S}\n"
        f"while ray.cluster_resources().get('CPU', 0) < {cpus} and time.monotonic() < deadline:\n"
        "    time.sleep(0.5)\n"
        f"sys.exit(0 if ray.cluster_resources().get('CPU', 0) >= {cpus} else 1)\n"
    )
    assert subprocess.run([sys.executable, "-c", probe], timeout=NODES_UP_S + 60).returncode == 0


def formcheck(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_two_nodes_give_the_serial_clis_reports(cluster: str, tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in CLIPS:
        shutil.copy(SAMPLES / name, clips / name)
    result = formcheck("batch", clips, "--ray", cluster, "--out", tmp_path / "batch", "--stride", STRIDE, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert (summary["done"], summary["failed"], summary["workers"]) == (len(CLIPS), 0, 2)
    for name in CLIPS:
        serial = formcheck("analyze", clips / name, "--stride", STRIDE, "--out", tmp_path / "serial" / name)
        assert serial.exit_code == 0, serial.output
        expected = json.loads((tmp_path / "serial" / name / "report.json").read_text())
        got = json.loads((tmp_path / "batch" / Path(name).stem / "report.json").read_text())
        assert got == expected, name
