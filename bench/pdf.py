"""6. Electronic certificates: making a signed PDF, and serving it from the cache.

Certificates in force are needed (the HTTP database's are long expired), so this section
builds its own small registry of BENCH_PDF_CERTIFICATES valid ones.
"""

import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench.common import (
    Config,
    Pinning,
    Quiet,
    Section,
    Server,
    Spread,
    Target,
    env_int,
    ratios,
    registry_cmd,
    registry_env,
)
from bench.load import Round, load
from registry.application import open_registry
from registry.pdfcert import PdfCertificates
from registry.settings import Settings
from registry.signing import open_keys

GOAL_MS = 200.0
COUNT = env_int("BENCH_PDF_CERTIFICATES", 20)
HOLDER = {"name": "深圳市定制家居科技有限公司", "address": "广东省深圳市南山区科技园南区 1 号"}
ACTIVITIES = ["全屋定制家具的设计与交付", "定制家具生产制造"]
EVALUATION = {
    "functions_met": ["1", "2", "3", "4", "5", "6", "7", "8"],
    "platform_met": True,
    "not_met": 1,
    "partially_met": 20,
    "fully_met": 84,
    "report_ref": "TR-3",
}
USCC = "91440300708461136T"


def build(workdir: Path, name: str = "pdf") -> tuple[Settings, list[str]]:
    """A registry of COUNT valid certificates and a signing key; their numbers."""
    settings = Settings(
        database_url=f"sqlite:///{workdir / name}.sqlite",
        keys_dir=workdir / f"{name}-keys",
        dev_mode=True,
    )
    with open_registry(settings) as registry:
        open_keys(registry, settings).generate()
        decided = registry.today() - timedelta(days=30)
        numbers = [
            registry.issue(
                actor="bench",
                holder={**HOLDER, "uscc": USCC, "name": f"{HOLDER['name']}{i}"},
                level=3,
                scope={"sites": [{"address": HOLDER["address"], "activities": ACTIVITIES}]},
                decision_date=decided,
                person_days=5,
                evaluation=EVALUATION,
            )["certificate_no"]
            for i in range(COUNT)
        ]
    return settings, numbers


def uncached_ms(settings: Settings, numbers: list[str], rounds: int) -> list[float]:
    """Per round, the median time to render and sign one PDF, every cache emptied first."""
    per_round = []
    with open_registry(settings) as registry:
        keys = open_keys(registry, settings)
        pdfs = PdfCertificates(keys, public_base_url=settings.public_base_url, clock=registry.clock)
        answers = [registry.verify(number=n) for n in numbers]
        pdfs.pdf(answers[0])  # loads fonts and Pango once, as a server does at its first PDF
        for _ in range(rounds):
            times = []
            for answer in answers:
                pdfs.forget()
                started = time.perf_counter()
                pdfs.pdf(answer)
                times.append((time.perf_counter() - started) * 1000)
            per_round.append(statistics.median(times))
    return per_round


def measure(cfg: Config, workdir: Path, quiet: Quiet) -> Section:
    section = Section("6. Electronic certificates (signed PDF)")
    settings, numbers = build(workdir)
    made = uncached_ms(settings, numbers, cfg.rounds)
    section.data["uncached_ms"] = made
    paths = {}
    for name, suffix in (("pdf", "certificate.pdf"), ("qr_png", "qr.png")):
        paths[name] = workdir / f"{name}_paths.txt"
        paths[name].write_text("".join(f"/api/v1/certificates/{n}/{suffix}\n" for n in numbers))
    pin = Pinning.of(cfg)
    env = registry_env(settings.database_url, settings.keys_dir)
    server = Server("pdf-registry", registry_cmd(), env, workdir, pin.server)
    rounds: dict[str, list[Round]] = {"pdf": [], "qr_png": []}
    try:
        server.wait_ready(f"/api/v1/certificates/{numbers[0]}/certificate.pdf", 120)
        for number in numbers:  # fill both caches
            server.get(f"/api/v1/certificates/{number}/certificate.pdf")
        for round_ in range(cfg.rounds + 1):
            for name, path in paths.items():
                quiet.wait()
                seconds = cfg.warmup if round_ == 0 else cfg.duration
                found = load(
                    server.url,
                    ["get", str(path)],
                    duration=seconds,
                    connections=cfg.connections,
                    servers=[server.pid],
                    cpus=pin.load,
                )
                if round_:  # the first is the warm-up
                    rounds[name].append(found)
    finally:
        server.stop()
    rps = {name: [r.rps for r in found] for name, found in rounds.items()}
    section.targets = [
        Target(
            f"PDF made uncached / {GOAL_MS:.0f} ms",
            Spread.of([ms / GOAL_MS for ms in made]),
            "<= 1",
            note=f"median {statistics.median(made):.0f} ms a PDF (render and sign)",
        ),
        Target(
            "GET certificate.pdf (cached) vs qr.png", ratios(rps["pdf"], rps["qr_png"]), ">= 0.5"
        ),
    ]
    section.data["rounds"] = {name: [r.json() for r in found] for name, found in rounds.items()}
    errors = {name: sum(r.errors for r in found) for name, found in rounds.items()}
    if any(errors.values()):
        section.notes.append(f"non-2xx or socket errors: {errors}")
    return section
