"""1. HTTP against a trivial FastAPI app, and 2. verification at BENCH_SCALE vs 10,000.

Every server runs at once; each round loads them one after the other (interleaved), so a
slow minute of the machine hits the baseline and the candidates alike.
"""

import io
import json
import random
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image

from bench import data, stores
from bench.common import (
    VENV_BIN,
    Config,
    Pinning,
    Quiet,
    Section,
    Server,
    Spread,
    Target,
    build,
    child_env,
    granian_cmd,
    ratios,
    ready_to_serve,
    registry_cmd,
    registry_env,
    run_json,
    tree_rss_mb,
    uvicorn_cmd,
)
from bench.load import Round, load
from bench.profiling import profile_server

VERIFY = "/api/v1/verify?number=%s"
RSS_GOAL_MB = 300.0


@dataclass
class Candidate:
    name: str
    server: Server
    args: list[str]
    rounds: list[Round] = field(default_factory=list)

    def rps(self) -> list[float]:
        return [r.rps for r in self.rounds]

    def p99(self) -> list[float]:
        return [r.p99_ms for r in self.rounds]


def build_registry(workdir: Path, name: str, count: int) -> tuple[str, dict[str, float]]:
    """A SQLite registry of `count` certificates with a signing key and last month's report
    made; its URL, and the seconds of the build and of the report (and the report's peak
    memory)."""
    url = f"sqlite:///{workdir / name}.sqlite"
    timeout = 600 + count / 50
    build_seconds = build(url, count, workdir, timeout)
    report = ready_to_serve(registry_env(url, workdir / "keys"), workdir, timeout)
    return url, {"build_seconds": build_seconds, **report}


def copy_sqlite(source: str, name: str) -> str:
    path = stores.sqlite_path(source)
    target = path.with_name(f"{name}.sqlite")
    stores.copy_sqlite(path, target)
    return f"sqlite:///{target}"


def qr_tokens(server: Server, numbers: list[str]) -> list[str]:
    """Fetch each number's qr.png (which fills the server's image cache) and decode it."""
    tokens = []
    for number in numbers:
        png = server.get(f"/api/v1/certificates/{number}/qr.png")
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        texts = [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode]
        if not texts:
            raise RuntimeError(f"no QR code in the qr.png of {number}")
        tokens.append(texts[0].rsplit("/v/", 1)[-1])
    return tokens


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> tuple[list[Section], str]:
    """Sections 1 and 2; also returns the BENCH_SCALE database's URL for the rebuild."""
    http = Section("1. HTTP vs a trivial FastAPI app (uvicorn, 1 worker, 64 connections)")
    scale = Section(f"2. Scale: {cfg.scale:,} certificates vs {cfg.reference_scale:,}")
    main_url, seconds = build_registry(workdir, "registry", cfg.scale)
    http.data |= seconds
    if cfg.scale == cfg.reference_scale:
        reference_url = copy_sqlite(main_url, "reference")
        scale.notes.append(
            "BENCH_SCALE equals the reference size: the ratios only show server-to-server noise"
        )
    else:
        reference_url, seconds = build_registry(workdir, "reference", cfg.reference_scale)
        scale.data |= {f"reference_{name}": value for name, value in seconds.items()}

    pin = Pinning.of(cfg)
    http.data["cpus"] = {"servers": pin.server, "wrk": pin.load}
    servers: list[Server] = []
    try:
        baseline = Server(
            "baseline",
            uvicorn_cmd("bench.baseline_app:create_app"),
            child_env(),
            workdir,
            pin.server,
        )
        servers.append(baseline)
        keys = workdir / "keys"
        registry = Server(
            "registry", registry_cmd(), registry_env(main_url, keys), workdir, pin.server
        )
        servers.append(registry)
        reference = Server(
            "reference", registry_cmd(), registry_env(reference_url, keys), workdir, pin.server
        )
        servers.append(reference)
        # The same two apps on granian: what the HTTP server costs, apart from the app.
        baseline_granian = Server(
            "baseline_granian",
            granian_cmd("bench.baseline_app:create_app"),
            child_env(),
            workdir,
            pin.server,
        )
        servers.append(baseline_granian)
        registry_granian = Server(
            "registry_granian",
            granian_cmd("api.app:create_app"),
            registry_env(main_url, keys),
            workdir,
            pin.server,
        )
        servers.append(registry_granian)
        ready_timeout = 300 + cfg.scale / 1000
        http.data["ready_seconds"] = {
            s.name: s.wait_ready(VERIFY % data.number(0), ready_timeout) for s in servers
        }
        bodies, paths = qr_inputs(registry, cfg, workdir)
        candidates = [
            Candidate("baseline", baseline, data.numbers_args(cfg.scale, VERIFY)),
            Candidate("verify", registry, data.numbers_args(cfg.scale, VERIFY)),
            Candidate("qr_verify", registry, ["post", "/api/v1/qr/verify", str(bodies)]),
            Candidate("qr_png", registry, ["get", str(paths)]),
            Candidate(
                "verify_reference", reference, data.numbers_args(cfg.reference_scale, VERIFY)
            ),
            Candidate("baseline_granian", baseline_granian, data.numbers_args(cfg.scale, VERIFY)),
            Candidate("verify_granian", registry_granian, data.numbers_args(cfg.scale, VERIFY)),
        ]

        def one_round(c: Candidate, seconds: float) -> Round:
            return load(
                c.server.url,
                c.args,
                duration=seconds,
                connections=cfg.connections,
                servers=[c.server.pid],
                cpus=pin.load,
            )

        for c in candidates:  # warm-up, not recorded
            one_round(c, cfg.warmup)
        for _ in range(cfg.rounds):
            for c in candidates:
                quiet.wait()
                c.rounds.append(one_round(c, cfg.duration))
        rss = {s.name: tree_rss_mb(s.pid) for s in servers}

        by = {c.name: c for c in candidates}
        base = by["baseline"]
        http.targets = [
            # issue 18's goals: the first round's were >= 0.6 and <= 3
            Target("GET /verify req/s", ratios(by["verify"].rps(), base.rps()), ">= 1.5"),
            Target("GET /verify p99", ratios(by["verify"].p99(), base.p99()), "<= 1.5"),
            Target("POST /qr/verify req/s", ratios(by["qr_verify"].rps(), base.rps()), ">= 0.4"),
            Target("GET qr.png (cached) req/s", ratios(by["qr_png"].rps(), base.rps()), ">= 0.5"),
            Target(
                "GET /verify on granian req/s",
                ratios(by["verify_granian"].rps(), base.rps()),
                ">= 1.5",
                note="the whole app on granian against the trivial route on uvicorn",
            ),
            Target(
                "GET /verify on granian p99",
                ratios(by["verify_granian"].p99(), base.p99()),
                "<= 1.5",
            ),
        ]
        ref = by["verify_reference"]
        scale.targets = [
            Target("verify req/s vs 10k", ratios(by["verify"].rps(), ref.rps()), ">= 0.9"),
            Target("verify p99 vs 10k", ratios(by["verify"].p99(), ref.p99()), "<= 1.2"),
            Target(
                "server RSS after load / 300 MB",
                Spread.of([rss["registry"] / RSS_GOAL_MB]),
                "<= 1",
                note=(
                    f"{rss['registry'] / rss['reference']:.2f}× the 10k server's RSS, "
                    f"{rss['registry'] / rss['baseline']:.2f}× the trivial app's"
                    + ("; the goal is set for 1,000,000" if cfg.scale < 1_000_000 else "")
                ),
            ),
        ]
        cpu = {c.name: [r.server_cpu_us_per_req for r in c.rounds] for c in candidates}
        http.data["in_process"] = in_process(cfg, workdir, registry_env(main_url, keys))
        http.notes.append(server_share(http.data["in_process"], cpu))
        floor = ratios(by["baseline_granian"].rps(), base.rps()).text(2)
        http.notes.append(
            f"the trivial route on granian: {floor} its req/s on uvicorn; server CPU per "
            f"request {ratios(cpu['baseline_granian'], cpu['baseline']).text(2)}; the "
            f"registry on granian: {ratios(cpu['verify_granian'], cpu['verify']).text(2)} "
            "its CPU per request on uvicorn"
        )
        http.notes.append(
            "server CPU per request vs the baseline's (steadier under noise): "
            + ", ".join(
                f"{name} {ratios(cpu[name], cpu['baseline']).text(1)}"
                for name in ("verify", "qr_verify", "qr_png")
            )
        )
        http.data["rounds"] = {c.name: [r.json() for r in c.rounds] for c in candidates}
        scale.data["rss_mb"] = rss
        errors = {c.name: sum(r.errors for r in c.rounds) for c in candidates}
        if any(errors.values()):
            http.notes.append(f"non-2xx or socket errors: {errors}")

        if cfg.profile:
            profile_misses(http, scale, by, cfg, workdir, pin.load)
    finally:
        for s in servers:
            s.stop()
    return [http, scale], main_url


def in_process(cfg: Config, workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """Each app's verification driven in process, without an HTTP server (bench/in_process)."""
    python = [str(VENV_BIN / "python"), "-m", "bench.in_process"]
    apps = {"baseline": "bench.baseline_app:create_app", "verify": "api.app:create_app"}
    envs = {"baseline": child_env(), "verify": env}
    timeout = 600 + cfg.scale / 1000
    return {
        name: run_json([*python, app, str(cfg.scale)], envs[name], workdir, timeout)
        for name, app in apps.items()
    }


def server_share(apps: dict[str, Any], cpu: dict[str, list[float]]) -> str:
    """What the HTTP server costs a request (over HTTP minus in process, the trivial route),
    and so the most any route could reach against the trivial route on uvicorn."""
    alone = {name: float(found["cpu_us_per_request"]) for name, found in apps.items()}
    http = {name: statistics.median(values) for name, values in cpu.items()}
    uvicorn = http["baseline"] - alone["baseline"]
    granian = http["baseline_granian"] - alone["baseline"]
    return (
        f"in process, no HTTP server: verify {alone['verify']:.0f} µs a request, the "
        f"trivial route {alone['baseline']:.0f} µs; so the server's own share of a request "
        f"is ~{uvicorn:.0f} µs on uvicorn and ~{granian:.0f} µs on granian, and a route "
        f"costing nothing would reach {http['baseline'] / uvicorn:.2f}× the trivial route's "
        f"rate on uvicorn, {http['baseline'] / granian:.2f}× on granian"
    )


def qr_inputs(registry: Server, cfg: Config, workdir: Path) -> tuple[Path, Path]:
    """wrk's inputs for the QR endpoints: request bodies with tokens decoded from served
    images (which fills the server's image cache), and the images' paths."""
    in_force = range(min(cfg.scale, data.IN_FORCE))  # the QR endpoints print these alone
    chosen = random.Random(2026).sample(in_force, min(cfg.qr_codes, len(in_force)))
    numbers = [data.number(i) for i in chosen]
    tokens = qr_tokens(registry, numbers)
    answer = json.loads(registry.get(VERIFY % numbers[0]))
    if answer["registration_no"] != numbers[0]:
        raise RuntimeError(f"unexpected verification answer {answer}")
    bodies = workdir / "qr_bodies.txt"
    bodies.write_text("".join(json.dumps({"token": t}) + "\n" for t in tokens))
    paths = workdir / "qr_paths.txt"
    paths.write_text("".join(f"/api/v1/certificates/{n}/qr.png\n" for n in numbers))
    return bodies, paths


def profile_misses(
    http: Section,
    scale: Section,
    by: dict[str, Candidate],
    cfg: Config,
    workdir: Path,
    cpus: str | None,
) -> None:
    """One profile per endpoint that missed a target, and the baseline's to compare with."""
    missed: dict[str, list[Target]] = {}
    for target in http.targets + scale.targets:
        name = _candidate_of(target.name)
        if not target.met and name is not None:
            missed.setdefault(name, []).append(target)
    if missed:
        missed = {"baseline": [], **missed}
    for name, targets in missed.items():
        c = by[name]

        def loader(c: Candidate = c) -> object:
            return load(
                c.server.url,
                c.args,
                duration=cfg.duration,
                connections=cfg.connections,
                cpus=cpus,
            )

        http.data.setdefault("profiles", {})[name] = profile_server(
            c.server.pid, cfg.duration, loader, workdir / f"{name}.prof"
        )
        for target in targets:
            target.note += ("; " if target.note else "") + f"profile: {name}"


def _candidate_of(target: str) -> str | None:
    if "qr/verify" in target:
        return "qr_verify"
    if "qr.png" in target:
        return "qr_png"
    if "granian" in target:
        return "verify_granian"
    if "verify" in target:
        return "verify"
    return None
