#!/usr/bin/env python3
"""Benchmark: kubectl-eksauth token against `aws eks get-token`, in one run.

Runs each command N times in the same environment (static keys, nothing
else configured), and prints the median wall time, the peak memory (max RSS)
and the ratios: against the AWS CLI, and against a trivial process (the
floor: what starting any process costs here). Not a test: it asserts nothing,
it measures.

With --sim, also `why` against the simulator: one healthy context, one
whose endpoint never answers, and `why --all-contexts` over 400 contexts,
half of them refused.

Usage: scripts/bench.py --eksauth target/release/kubectl-eksauth --aws .venv/bin/aws [-n 30] [--sim eks-sim]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


GNU_TIME = "/usr/bin/time"


def peak_rss(argv, env, runs=3):
    """Peak RSS in MiB, read by GNU time: a small C parent, so the figure is
    the command's own (a child forked or spawned by Python would count
    Python's memory as well)."""
    peaks = []
    with tempfile.NamedTemporaryFile("r") as out:
        for _ in range(runs):
            subprocess.run([GNU_TIME, "-f", "%M", "-o", out.name] + argv, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.seek(0)
            peaks.append(int(out.read().strip().splitlines()[-1]) / 1024.0)
    return max(peaks)


def measure(argv, env, n):
    """Median seconds of running argv n times, and its peak RSS (MiB)."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        # posix_spawn (vfork-like), not fork: a forked child would carry
        # Python's own memory into its peak RSS.
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ])
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"bench: {' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)})")
        times.append(elapsed)
    return statistics.median(times), peak_rss(argv, env)


def start_sim(sim, fixture, workdir):
    """Starts eks-sim; returns (process, endpoints dict)."""
    state = os.path.join(workdir, "sim")
    log = open(os.path.join(workdir, "sim.log"), "w")
    proc = subprocess.Popen([sim, "--fixture", fixture, "--state-dir", state], stdout=subprocess.DEVNULL, stderr=log)
    path = os.path.join(state, "endpoints.json")
    for _ in range(400):
        if os.path.exists(path):
            import json
            return proc, json.load(open(path))
        time.sleep(0.025)
    proc.kill()
    sys.exit("bench: eks-sim did not start")


def why_kubeconfig(path, server, ca, eksauth):
    """A kubeconfig whose one context is the example world's admin."""
    with open(path, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster: {{server: "{server}", certificate-authority: "{ca}"}}
contexts:
- name: demo
  context: {{cluster: demo, user: admin}}
current-context: demo
users:
- name: admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {eksauth}
      args: [token, --cluster-name, demo, --region, us-west-2]
      env:
      - {{name: AWS_ACCESS_KEY_ID, value: AKIAIOSFODNN7EXAMPLE}}
      - {{name: AWS_SECRET_ACCESS_KEY, value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}}
""")
    os.chmod(path, 0o600)


def bench_why(eksauth, sim, fixture, n):
    """`why` on a healthy simulated cluster, and on one whose API endpoint
    accepts connections and never answers (--timeout 5)."""
    work = tempfile.mkdtemp(prefix="eksauth-bench-why-")
    proc, ep = start_sim(sim, fixture, work)
    try:
        env = {"HOME": work, "PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_STS": ep["sts"], "AWS_ENDPOINT_URL_EKS": ep["eks"],
               "AWS_ENDPOINT_URL_IAM": ep["iam"], "KUBECACHEDIR": os.path.join(work, "cache"),
               "KUBECONFIG": os.path.join(work, "kubeconfig")}
        why_kubeconfig(env["KUBECONFIG"], ep["kube"], ep["ca_file"], eksauth)
        healthy = measure([eksauth, "why", "-o", "json"], env, n)
        why_kubeconfig(env["KUBECONFIG"], ep["hang"], ep["ca_file"], eksauth)
        hanging = measure_any([eksauth, "why", "-o", "json", "--timeout", "5"], env, 3)
        return healthy, hanging
    finally:
        proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def many_contexts_kubeconfig(path, server, refused, ca, eksauth, count):
    """A kubeconfig of `count` contexts of the example world's admin, every
    other one pointing at a port that refuses connections."""
    users = f"""- name: admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {eksauth}
      args: [token, --cluster-name, demo, --region, us-west-2]
      env:
      - {{name: AWS_ACCESS_KEY_ID, value: AKIAIOSFODNN7EXAMPLE}}
      - {{name: AWS_SECRET_ACCESS_KEY, value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}}
"""
    clusters = (f'- name: demo\n  cluster: {{server: "{server}", certificate-authority: "{ca}"}}\n'
                f'- name: refused\n  cluster: {{server: "{refused}", certificate-authority: "{ca}"}}\n')
    contexts = "".join(
        f"- name: ctx-{i}\n  context: {{cluster: {'refused' if i % 2 else 'demo'}, user: admin}}\n"
        for i in range(count))
    with open(path, "w") as f:
        f.write(f"apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{contexts}"
                f"current-context: ctx-0\nusers:\n{users}")
    os.chmod(path, 0o600)


def closed_port():
    """A 127.0.0.1 port nothing listens on (connections are refused)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_why_all(eksauth, sim, fixture, count=400, runs=3):
    """`why --all-contexts` over `count` contexts of the simulated cluster,
    half of them refused: median wall time and peak RSS."""
    work = tempfile.mkdtemp(prefix="eksauth-bench-all-")
    proc, ep = start_sim(sim, fixture, work)
    try:
        env = {"HOME": work, "PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_STS": ep["sts"], "AWS_ENDPOINT_URL_EKS": ep["eks"],
               "AWS_ENDPOINT_URL_IAM": ep["iam"], "KUBECACHEDIR": os.path.join(work, "cache"),
               "KUBECONFIG": os.path.join(work, "kubeconfig")}
        refused = f"https://127.0.0.1:{closed_port()}"
        many_contexts_kubeconfig(env["KUBECONFIG"], ep["kube"], refused, ep["ca_file"], eksauth, count)
        argv = [eksauth, "why", "--all-contexts", "-o", "json"]
        wall = measure_any(argv, env, runs)
        peaks = []
        with tempfile.NamedTemporaryFile("r") as out:
            for _ in range(runs):
                subprocess.run([GNU_TIME, "-f", "%M", "-o", out.name] + argv, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                out.seek(0)
                peaks.append(int(out.read().strip().splitlines()[-1]) / 1024.0)
        return wall, max(peaks)
    finally:
        proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def measure_any(argv, env, n):
    """Median seconds of argv, whatever its exit status (why exits 1 on an error)."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eksauth", required=True)
    ap.add_argument("--aws", required=True)
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--sim", help="eks-sim binary: also benchmark `why` against the simulator")
    ap.add_argument("--fixture", default="sim/fixtures/example.yaml")
    ap.add_argument("--contexts", type=int, default=400,
                    help="contexts of the `why --all-contexts` benchmark (half of them refused)")
    a = ap.parse_args()

    home = tempfile.mkdtemp(prefix="eksauth-bench-")
    os.makedirs(os.path.join(home, ".aws"))
    env = {
        "HOME": home,
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEBENCH0001",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_REGION": "us-west-2",
        "AWS_EC2_METADATA_DISABLED": "true",
        "KUBECACHEDIR": os.path.join(home, "cache"),
    }
    true = shutil.which("true") or "/bin/true"
    eks = os.path.abspath(a.eksauth)
    token = [eks, "token", "--cluster-name", "bench", "--region", "us-west-2"]
    subprocess.run(token, env=env, check=True, capture_output=True)  # warm the cache

    rows = [
        ("floor (/bin/true)", [true]),
        ("aws eks get-token", [os.path.abspath(a.aws), "eks", "get-token", "--cluster-name", "bench", "--region", "us-west-2"]),
        ("eksauth token --no-cache", token + ["--no-cache"]),
        ("eksauth token (cache hit)", token),
    ]
    results = {}
    for name, argv in rows:
        n = max(5, a.n // 3) if name.startswith("aws") else a.n
        results[name] = measure(argv, env, n)

    floor = results["floor (/bin/true)"][0]
    cli = results["aws eks get-token"][0]
    print(f"{'command':<28} {'median':>10} {'peak RSS':>10} {'vs floor':>9} {'AWS CLI / this':>15}")
    for name, (med, rss) in results.items():
        print(f"{name:<28} {med*1000:>8.1f}ms {rss:>8.1f}MB {med/floor:>8.1f}x {cli/med:>14.1f}x")
    shutil.rmtree(home, ignore_errors=True)
    if a.sim:
        (healthy, rss), hanging = bench_why(eks, os.path.abspath(a.sim), os.path.abspath(a.fixture), max(5, a.n // 4))
        print()
        print(f"{'why, healthy cluster':<36} {healthy*1000:>8.1f}ms {rss:>8.1f}MB  (target: under 1 s)")
        print(f"{'why, API endpoint never answers':<36} {hanging*1000:>8.1f}ms {'':>10}  (--timeout 5: ends within it)")
        wall, peak = bench_why_all(eks, os.path.abspath(a.sim), os.path.abspath(a.fixture), a.contexts)
        print(f"{f'why --all-contexts, {a.contexts} (half refused)':<36} {wall*1000:>8.1f}ms {peak:>8.1f}MB  (target: under 3 s, 150 MB)")


if __name__ == "__main__":
    main()
