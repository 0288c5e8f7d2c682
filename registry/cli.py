"""The `registry` command line (the README's "The CLI" describes each): serve, token, keys,
verify, verify-qr, sweep, audit, report, import, demo, project and projections. A refusal
prints one line, `registry: …`, and exits non-zero."""

import argparse
import contextlib
import getpass
import json
import os
import signal
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

from tqdm import tqdm

from registry import status_list
from registry.aggregates.api_token import ROLES
from registry.aggregates.keyring import COMPROMISED
from registry.aggregates.user import ROLES as USER_ROLES
from registry.application import Registry, open_registry
from registry.backups import backup, restore
from registry.demo import demo_rows
from registry.errors import InvalidInput, RegistryError
from registry.hardening import harden
from registry.importer import Importer, read_csv
from registry.logs import uvicorn_log_config
from registry.qrcodes import decode, token_of
from registry.regulator_reports import (
    FORMATS,
    ReportMismatch,
    check_report,
    make_monthly,
    overdue,
    render,
    status_changes,
)
from registry.rules.dates import local_date
from registry.rules.lifecycle import Status
from registry.settings import STORAGE_ERRORS, Settings
from registry.signing import open_keys, verify_with_jwks
from registry.status_list import listed_status, read_list
from registry.tokens import create_token, list_tokens, revoke_tokens
from registry.transparency import verify_store
from registry.users import Accounts
from registry.witness import Fork, fetch_json, load_checkpoint, witness
from registry.x509chain import load_certificate, root_certificate


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return seconds


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    settings = Settings()
    with open_registry(settings) as registry:  # refuse here in one line, not in a worker
        open_keys(registry, settings).check()
    if "public_base_url" not in settings.model_fields_set:  # QR codes point at this server
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        os.environ["REGISTRY_PUBLIC_BASE_URL"] = f"http://{host}:{args.port}"

    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # REGISTRY_ACCESS_LOG=1 writes the registry's own, in JSON
        # X-Forwarded-For is believed only from REGISTRY_TRUSTED_PROXIES (none by default;
        # uvicorn's own default trusts 127.0.0.1, so any local process could pose as anyone).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        log_config=uvicorn_log_config() if settings.log_format == "json" else LOGGING_CONFIG,
        server_header=False,  # what serves the registry is nobody's business
        http="api.serving:BoundedHttpToolsProtocol",  # header time and connections bounded
    )
    return 0


def sweep(args: argparse.Namespace) -> int:
    with open_registry(Settings()) as registry:
        changed = registry.sweep(args.as_of)
    for registration in changed:
        print(registration)
    print(f"{len(changed)} certificate(s) lapsed and recorded", file=sys.stderr)
    return 0


def verify(args: argparse.Namespace) -> int:
    with open_registry(Settings()) as registry:
        answer = registry.verify(number=args.number, as_of=args.as_of)
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if answer["status"] == Status.VALID else 3


def project(args: argparse.Namespace) -> int:
    """Run the projector until SIGTERM or SIGINT: for deployments with several API processes."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with open_registry(Settings()) as registry:
        print("projecting; stop with SIGTERM", file=sys.stderr)
        registry.projector.batch_size = args.batch
        registry.projector.run_forever(stop, interval=args.interval)
    return 0


def projections(args: argparse.Namespace) -> int:
    with open_registry(Settings(projector="external")) as registry:
        if args.action == "rebuild":
            try:
                registry.projector.rebuild(args.name)
            except ValueError as error:
                raise InvalidInput(str(error)) from None
        for status in registry.projector.status():
            print(
                f"{status.name:16} position {status.position:>10}  head {status.head:>10}  "
                f"lag {status.lag}"
            )
    return 0


def token(args: argparse.Namespace) -> int:
    with open_registry(Settings(projector="external")) as registry:
        if args.action == "create":
            print(create_token(registry, name=args.name, role=args.role, user=args.user))
        elif args.action == "list":
            for info in list_tokens(registry):
                state = info.state
                person = f"  (for {info.user})" if info.user else ""
                print(
                    f"{info.id}  {info.role:9}  {state:7}  {info.created_at}  {info.name}{person}"
                )
        else:
            count = revoke_tokens(registry, args.name_or_id)
            print(f"{count} token(s) revoked", file=sys.stderr)
    return 0


def user(args: argparse.Namespace) -> int:
    """People who sign in to the console; a password is printed once and stored hashed."""
    with open_registry(Settings(projector="external")) as registry:
        accounts = Accounts(registry)
        given = sys.stdin.readline().rstrip("\n") if getattr(args, "stdin", False) else None
        if args.action == "create":
            print(accounts.create(args.name, args.role, actor=_actor(), password=given))
        elif args.action == "reset-password":
            print(accounts.set_password(args.name, actor=_actor(), password=given))
        elif args.action == "disable":
            accounts.disable(args.name, actor=_actor())
        else:
            for info in accounts.listing():
                state = "disabled" if info.disabled else "active"
                totp = "totp" if info.totp else "-"
                roles = ",".join(info.roles)
                print(f"{info.name:24} {state:8} {totp:4} {info.created_at}  {roles}")
    return 0


def keys(args: argparse.Namespace) -> int:
    settings = Settings(projector="external")
    with open_registry(settings) as registry:
        ring = open_keys(registry, settings)
        if args.action in ("generate", "rotate"):
            if args.action == "generate" and args.if_missing and ring.has_signing_key():
                return 0
            print(ring.generate(rotate=args.action == "rotate"))
            if args.action == "rotate" and ring.passphrase is not None:
                ring.rewrap()  # the older keys too, sealed the current way
        elif args.action == "rewrap":
            for kid in ring.rewrap():
                print(f"{kid}  re-encrypted")
        elif args.action == "retire":
            ring.retire(args.kid)
        elif args.action == "compromised":
            ring.compromise(args.kid)
        if args.action in ("list", "retire", "compromised"):
            for kid, status in ring.listing():
                print(f"{kid}  {status}")
    return 0


def verify_qr(args: argparse.Namespace) -> int:
    """Decode a photo or scan of a certificate's QR code; check its signature, then whether
    the certificate is in force: online by default, or `--offline` from a saved status list.
    Exit 0 only when authentic and valid, 3 when authentic but not in force, 1 when forged."""
    texts = decode(args.image)
    if not texts:
        raise InvalidInput(f"{args.image}: no QR code found in the image")
    token = token_of(texts[0])
    settings = Settings(projector="external")
    if args.jwks is not None:
        jwks = _json_file(args.jwks, "a JSON key set")
        verdict = verify_with_jwks(token, jwks)
    elif args.offline:
        raise InvalidInput("--offline needs --jwks FILE (a saved /.well-known/jwks.json)")
    else:
        with open_registry(settings) as registry:
            ring = open_keys(registry, settings)
            verdict, jwks = ring.verify(token), ring.jwks()
    if not verdict.authentic or verdict.claims is None:
        print(f"NOT authentic: {verdict.reason}")
        return 1
    status = _status_of(args, verdict.claims, jwks, settings.public_base_url)
    if status == Status.VALID:
        print("authentic and in force: valid")
    else:
        print(f"authentic, but NOT in force: {status}")
    print(f"key: {verdict.kid}")
    for name, value in verdict.claims.items():
        print(f"{name}: {value}")
    return 0 if status == Status.VALID else 3


def _status_of(
    args: argparse.Namespace, claims: dict[str, Any], jwks: dict[str, Any], base_url: str
) -> str:
    """The certificate's status: its printed validity, then the status list (offline) or the
    registry named by the signed `status` claim (online; the configured one for codes
    printed before the claim existed)."""
    now = datetime.now(UTC)
    if str(claims.get("valid_until", "")) < local_date(now).isoformat():
        return Status.EXPIRED
    status = claims.get("status")
    ref = status.get("status_list") if isinstance(status, dict) else None
    if ref is not None and not (
        isinstance(ref.get("idx"), int) and isinstance(ref.get("uri"), str)
    ):
        raise InvalidInput("the code's status claim is malformed")
    if args.offline:
        if args.status_list is None:
            raise InvalidInput("--offline needs --status-list FILE (a saved /api/v1/status-list)")
        if ref is None:
            return "unknown (printed before status lists: check it online)"
        try:
            saved = args.status_list.read_text("utf-8").strip()
        except (OSError, ValueError) as error:
            raise InvalidInput(f"{args.status_list}: cannot be read ({error})") from None
        return listed_status(read_list(saved, jwks, ref["uri"], now), ref["idx"])
    base = ref["uri"].removesuffix(status_list.PATH) if ref else base_url.rstrip("/")
    number = urllib.parse.quote(str(claims.get("certificate_no", "")), safe="")
    try:
        with urllib.request.urlopen(f"{base}/api/v1/verify?number={number}", timeout=10) as r:
            answer = json.loads(r.read())
    except (OSError, ValueError) as error:
        raise InvalidInput(
            f"cannot ask {base} for the live status ({error}); try --offline"
        ) from None
    return str(answer.get("status", "unknown"))


def _json_file(path: Path, what: str) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{path}: not {what} ({error})") from None
    if not isinstance(found, dict):
        raise InvalidInput(f"{path}: not {what}")
    return found


def certificate(args: argparse.Namespace) -> int:
    """Write the electronic certificate: the signed PDF of a certificate in force."""
    from registry.pdfcert import PdfCertificates  # pyHanko: half a second, only when needed

    settings = Settings()
    with open_registry(settings) as registry:
        pdfs = PdfCertificates(
            open_keys(registry, settings),
            public_base_url=settings.public_base_url,
            clock=registry.clock,
            tsa_url=settings.tsa_url,
        )
        pdf = pdfs.pdf(registry.verify(number=args.number))
    try:
        args.out.write_bytes(pdf)
    except OSError as error:
        raise InvalidInput(f"{args.out}: cannot write it ({error.strerror})") from None
    print(args.out)
    return 0


DISTRUSTED = {None: "is not in this registry's keyring", COMPROMISED: "was marked compromised"}


def verify_pdf_file(args: argparse.Namespace) -> int:
    """Check an electronic certificate: its PAdES signature against the root, then (online)
    its key and the certificate's live status. Exit 0 only when all hold."""
    from registry.answers import STATUS_ZH
    from registry.pdfcert import ask_registry, read_pdf, verify_pdf

    settings = Settings()
    root = load_certificate(args.trust) if args.trust else root_certificate(settings.keys_dir)
    verdict = verify_pdf(read_pdf(args.file), root)
    if not verdict.signed:
        print(f"NOT signed by the registry: {verdict.reason}")
        return 1
    print(f"signed: intact, chains to the root, not modified since {verdict.signed_at}")
    print(f"key: {verdict.kid}")
    print(f"certificate: {verdict.certificate_no}")
    if args.offline:
        print("live status: not checked (--offline); a key compromised since is not known")
        return 0
    number = str(verdict.certificate_no)
    if args.registry:  # its public API, as anyone can ask
        published, answer = ask_registry(args.registry, number, verdict.kid)
        distrust = None if published else f"is not published at {args.registry} (compromised?)"
    else:  # the configured store, as `registry verify` reads it
        with open_registry(settings) as registry:
            key_status = open_keys(registry, settings).status(verdict.kid)
            answer = registry.verify(number=number)
        distrust = DISTRUSTED.get(key_status)
    if distrust:
        print(f"NOT trusted: the signing key {verdict.kid} {distrust}")
        return 1
    status = answer["status"]
    line = f"status: {status} ({STATUS_ZH[status]}) since {answer['status_since']}"
    ended = answer["revocation"] or answer["suspension"]
    reason = ended["reason_text"] if ended else None
    print(line + (f": {reason}" if reason else ""))
    if status != "valid":
        print(f"NOT in force; the current certificate is {answer['current_certificate_no']}")
        return 3
    return 0


def audit(args: argparse.Namespace) -> int:
    """Recompute every hash, chain, Merkle root and checkpoint signature from the store."""
    if args.action == "witness":
        return _witness(args)
    held = load_checkpoint(args.checkpoint) if args.checkpoint else None
    settings = Settings(projector="external")
    # By default the newest stored checkpoint may be no older than the interval a running
    # server refreshes it within; a checkpoint held elsewhere is the evidence instead.
    default = None if held is not None else settings.checkpoint_interval
    return _verify(settings, held, default if args.max_age is None else args.max_age)


def _verify(settings: Settings, held: dict[str, Any] | None, max_age: float | None) -> int:
    with open_registry(settings) as registry:
        report = verify_store(registry, open_keys(registry, settings), held=held, max_age=max_age)
    for note in report.notes:
        print(f"note: {note}")
    if report.intact:
        print(f"intact: {report.events} events, {report.checkpoints} signed checkpoints verified")
        return 0
    first = report.findings[0]
    print(f"registry: NOT intact at {first}", file=sys.stderr)
    for finding in report.findings[1:20]:
        print(f"  also {finding}", file=sys.stderr)
    return 1


def backup_store(args: argparse.Namespace) -> int:
    """SQLite's online backup of the store, safe while the server runs."""
    count = backup(Settings(), args.file)
    print(f"{args.file}: {count} events backed up", file=sys.stderr)
    return 0


def restore_store(args: argparse.Namespace) -> int:
    """Put a backup in place, then prove it: `audit verify` on the restored copy."""
    count = restore(Settings(), args.file)
    print(f"restored {count} events; verifying", file=sys.stderr)
    # A backup's checkpoint is as old as the backup: its age proves nothing here.
    return _verify(Settings(projector="external"), None, None)


def _witness(args: argparse.Namespace) -> int:
    try:
        seen, new = witness(args.url, args.state)
    except Fork as error:
        print(f"registry: FORK: {error}", file=sys.stderr)
        return 1
    since = "first seen" if seen is None else f"consistent with size {seen['size']}"
    print(f"checkpoint of size {new['size']} ({new['timestamp']}): {since}")
    return 0


def db(args: argparse.Namespace) -> int:
    with open_registry(Settings(projector="external")) as registry:
        table = harden(registry)
    print(f"{table}: append-only (UPDATE and DELETE refused)")
    return 0


def report(args: argparse.Namespace) -> int:
    if args.action == "verify":
        return verify_report(args)
    settings = Settings()
    if args.action is None and (args.start is None or args.end is None):
        raise InvalidInput("give --from DATE --to DATE, or `monthly` or `overdue`")
    with open_registry(settings) as registry:
        if args.action is None:
            print(_period_report(registry, settings, args))
            return 0
        if args.action == "monthly":
            out = args.out or settings.reports_dir
            path = make_monthly(registry, open_keys(registry, settings), args.month, out, _actor())
            print(path)
            return 0
        late = overdue(registry)
    for o in late:
        made = f"made {o.made_on}" if o.made_on else "never made"
        print(f"{o.month}: {o.items} status change(s), due {o.deadline}, {made}")
    return 1 if late else 0


def verify_report(args: argparse.Namespace) -> int:
    """A report (a monthly file, or a period report) against its manifest, and the manifest's
    detached signature against the registry's key set. Exit 0 intact, 1 otherwise."""
    manifest = args.manifest.read_bytes()
    signed = args.manifest_signature or args.manifest.with_name(args.manifest.name + ".jws")
    signature = signed.read_text("utf-8", errors="replace")
    try:
        with args.file.open("rb") as body:  # a monthly report can be gigabytes
            vouched = check_report(body, manifest, signature, _key_set(args.jwks))
    except ReportMismatch as error:
        return refuse(f"{args.file}: NOT the signed report: {error}", 1)
    period = vouched.month or f"{vouched.start} to {vouched.end}"
    print(f"intact: {args.file} is the {vouched.format} report of {period}")
    print(f"manifest signed by key {vouched.kid}")
    return 0


def _key_set(source: str | None) -> dict[str, Any]:
    """The registry's public keys: from a URL (a registry's base URL or its JWKS URL), a saved
    /.well-known/jwks.json, or by default this registry's own keyring."""
    if source is None:
        settings = Settings(projector="external")
        with open_registry(settings) as registry:
            return open_keys(registry, settings).jwks()
    if source.startswith(("https://", "http://")):
        if urllib.parse.urlsplit(source).path in ("", "/"):
            source = source.rstrip("/") + "/.well-known/jwks.json"
        found = fetch_json(source)
        if not isinstance(found, dict):
            raise InvalidInput(f"{source}: not a JSON key set")
        return found
    return _json_file(Path(source), "a JSON key set")


def _period_report(registry: Registry, settings: Settings, args: argparse.Namespace) -> Path:
    """The changes recorded from --from to --to (Beijing days), as FILE and FILE.jws."""
    items = status_changes(registry, args.start, args.end)
    keys = open_keys(registry, settings)
    made = render(items, args.format, args.start, args.end, keys, generated_at=registry.clock())
    path = args.out or settings.reports_dir / made.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(made.body)
    path.with_name(path.name + ".jws").write_text(made.signature + "\n")
    return path


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def import_csv(args: argparse.Namespace) -> int:
    """Import certificates from CSV with a progress bar; bad rows are listed, the rest stored."""
    with open_registry(Settings()) as registry:
        rows = list(read_csv(args.file))
        with tqdm(total=len(rows), unit="row", disable=args.quiet) as bar:
            importer = Importer(registry, actor=_actor(), legacy=args.legacy)
            result = importer.run(rows, progress=bar.update)
    for line, message in result.errors:
        print(f"{args.file}:{line}: {message}", file=sys.stderr)
    new, there, refused = result.imported, result.skipped, len(result.errors)
    print(
        f"导入 {new} 条，已存在 {there} 条，拒绝 {refused} 条 / "
        f"{new} imported, {there} already there, {refused} refused",
        file=sys.stderr,
    )
    return 1 if result.errors else 0


def demo(args: argparse.Namespace) -> int:
    """Load the demo data set: a first look at a registry with history."""
    with open_registry(Settings()) as registry:
        rows = [(n + 2, row) for n, row in enumerate(demo_rows(registry.today(), args.count))]
        result = Importer(registry, actor="demo").run(rows)
        accounts = Accounts(registry)
        for role in USER_ROLES:
            if accounts.get(f"demo-{role}") is None:
                password = accounts.create(f"demo-{role}", [role], actor="demo")
                print(f"user demo-{role} ({role}), password shown once: {password}")
    for line, message in result.errors:
        print(f"demo row {line}: {message}", file=sys.stderr)
    print(f"{result.imported} demo certificates loaded ({result.skipped} were already there)")
    return 1 if result.errors else 0


class Parser(argparse.ArgumentParser):
    """Usage errors in one line too, like every other refusal."""

    def error(self, message: str) -> NoReturn:
        print(f"registry: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    main = Parser(prog="registry", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="serve the HTTP API and pages")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(run=serve)

    p = commands.add_parser("token", help="API bearer tokens")
    actions = p.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="print a new token (shown once, stored hashed)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="who uses it; recorded as the actor")
    create.add_argument(
        "--user",
        help="bind it to this person (a live user holding the role): events then record "
        "'USER via token NAME', and it stops when the user is disabled",
    )
    actions.add_parser("list", help="id, role, state, creation time and name of every token")
    revoke = actions.add_parser("revoke", help="revoke by name (all its tokens) or by id")
    revoke.add_argument("name_or_id")
    p.set_defaults(run=token)

    p = commands.add_parser("user", help="people who sign in to the console")
    actions = p.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="print the new user's initial password")
    create.add_argument("--name", required=True, help="the user name; recorded as the actor")
    create.add_argument("--role", required=True, action="append", choices=USER_ROLES)
    reset = actions.add_parser("reset-password", help="print a new password; sessions end")
    reset.add_argument("name")
    for action in (create, reset):
        action.add_argument("--stdin", action="store_true", help="read the password from stdin")
    actions.add_parser("list", help="name, state, second factor, creation time and roles")
    actions.add_parser("disable", help="the user can no longer sign in").add_argument("name")
    p.set_defaults(run=user)

    p = commands.add_parser("keys", help="the QR signing keys")
    actions = p.add_subparsers(dest="action", required=True)
    generate = actions.add_parser("generate", help="a new key; active if none is")
    generate.add_argument("--if-missing", action="store_true", help="only if no key can sign")
    actions.add_parser("rotate", help="a new active key; the old one retires (still verifies)")
    actions.add_parser("list", help="every key and its state")
    actions.add_parser("rewrap", help="re-encrypt older private keys (PBKDF2, 600,000 rounds)")
    actions.add_parser("retire", help="stop signing with KID; it still verifies").add_argument(
        "kid"
    )
    actions.add_parser("compromised", help="KID's tokens all fail from now on").add_argument("kid")
    p.set_defaults(run=keys)

    p = commands.add_parser("verify-qr", help="check a photographed QR code, offline")
    p.add_argument("image", type=Path)
    p.add_argument("--jwks", type=Path, help="a saved /.well-known/jwks.json")
    p.add_argument("--offline", action="store_true", help="ask no one: use the saved files")
    p.add_argument("--status-list", type=Path, help="a saved /api/v1/status-list (--offline)")
    p.set_defaults(run=verify_qr)

    p = commands.add_parser("certificate", help="the electronic certificate (signed PDF)")
    actions = p.add_subparsers(dest="action", required=True)
    make_pdf = actions.add_parser("pdf", help="write the signed PDF of a certificate in force")
    make_pdf.add_argument("number", help="registration or current certificate number")
    make_pdf.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    p.set_defaults(run=certificate)

    p = commands.add_parser("verify-pdf", help="check an electronic certificate (signed PDF)")
    p.add_argument("file", type=Path)
    p.add_argument("--trust", type=Path, help="the root certificate (PEM) to trust")
    p.add_argument("--offline", action="store_true", help="the signature only, no live status")
    p.add_argument("--registry", metavar="URL", help="ask this registry's API, not the store")
    p.set_defaults(run=verify_pdf_file)

    p = commands.add_parser("audit", help="tamper evidence")
    actions = p.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "verify", help="exit 0 when every event, chain and checkpoint checks out"
    )
    check.add_argument(
        "--checkpoint", help="a checkpoint held elsewhere (JSON file or URL): prove consistency"
    )
    check.add_argument(
        "--max-age",
        type=_seconds,
        metavar="SECONDS",
        help="fail if the newest checkpoint is older (default: REGISTRY_CHECKPOINT_INTERVAL, "
        "3600; widen it for an offline copy of a stopped server)",
    )
    pin = actions.add_parser("witness", help="pin a registry's log: exit 1 on a fork")
    pin.add_argument("url", help="the registry's base URL")
    pin.add_argument("--state", type=Path, required=True, help="the last checkpoint seen")
    p.set_defaults(run=audit)

    p = commands.add_parser("db", help="the database")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("harden", help="make the event table append-only (triggers)")
    p.set_defaults(run=db)

    p = commands.add_parser(
        "report", help="reports to the regulator (§6.3.3): --from/--to, monthly or overdue"
    )
    p.add_argument("--from", dest="start", type=_date, help="first day recorded (Beijing)")
    p.add_argument("--to", dest="end", type=_date, help="last day recorded, inclusive")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.add_argument("--out", type=Path, help="the file (and FILE.jws); default in var/reports")
    actions = p.add_subparsers(dest="action", required=False)
    monthly = actions.add_parser("monthly", help="write and record a month's report")
    monthly.add_argument("--month", required=True, help="YYYY-MM, a month that has ended")
    monthly.add_argument("--out", type=Path, help="default var/reports in REGISTRY_HOME")
    actions.add_parser("overdue", help="months not reported by the 10th; exit 1 if any")
    check = actions.add_parser(
        "verify", help="check a report against its signed manifest; exit 0 intact, 1 otherwise"
    )
    check.add_argument("file", type=Path, help="the report (CSV, JSON or XLSX)")
    check.add_argument("--manifest", type=Path, required=True, help="its manifest (…manifest.json)")
    check.add_argument(
        "--manifest-signature", type=Path, help="the manifest's detached JWS (MANIFEST.jws)"
    )
    check.add_argument(
        "--jwks",
        metavar="URL|FILE",
        help="the registry's key set: its URL, or a saved /.well-known/jwks.json "
        "(default: this registry's keyring)",
    )
    p.set_defaults(run=report)

    p = commands.add_parser("backup", help="copy the SQLite store to FILE (online)")
    p.add_argument("file", type=Path)
    p.set_defaults(run=backup_store)

    p = commands.add_parser("restore", help="restore a backup FILE, then audit verify it")
    p.add_argument("file", type=Path)
    p.set_defaults(run=restore_store)

    p = commands.add_parser("import", help="import certificates from CSV (see README)")
    p.add_argument("file", type=Path)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--legacy",
        action="store_true",
        help="admit certificates decided before CESI-SC-OD13 took effect (2023-02-07)",
    )
    p.set_defaults(run=import_csv)

    p = commands.add_parser("demo", help="load a realistic demo data set")
    p.add_argument("--count", type=int, default=300)
    p.set_defaults(run=demo)

    p = commands.add_parser("sweep", help="record expiries and automatic revocations now due")
    p.add_argument("--as-of", type=_date, default=None, help="sweep as of this date (not future)")
    p.set_defaults(run=sweep)

    p = commands.add_parser("project", help="run the projector (multi-process deployments)")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    p.add_argument("--batch", type=int, default=500, help="events per transaction")
    p.set_defaults(run=project)

    p = commands.add_parser("projections", help="status or rebuild of the read models")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help="each projection's position, the head and the lag")
    rebuild = actions.add_parser("rebuild", help="empty and project again from zero")
    rebuild.add_argument("name", nargs="?", help="certificates, regulator_feed or audit (all)")
    p.set_defaults(run=projections)

    p = commands.add_parser("verify", help="print the verification answer of a certificate")
    p.add_argument("number", help="registration or printed certificate number")
    p.add_argument("--as-of", type=_date, default=None)
    p.set_defaults(run=verify)
    return main


def refuse(message: str, code: int) -> int:
    with contextlib.suppress(BrokenPipeError):
        print(f"registry: {message}", file=sys.stderr)
    return code


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def quiet_broken_pipe() -> int:
    """`registry verify … | head`: the reader left; say nothing, and keep Python from
    complaining while it flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, as a shell reports a command its pipe cut off


def _kid_taken_as_given(argv: list[str]) -> list[str]:
    """`registry keys retire KID`: a KID is base64url and one in 32 begins with "-", which
    argparse would read as an option; what follows the action is the KID, as written."""
    action = argv[:2] in (["keys", "retire"], ["keys", "compromised"])
    if action and len(argv) == 3 and argv[2] not in ("-h", "--help"):
        return [*argv[:2], "--", argv[2]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(_kid_taken_as_given(list(sys.argv[1:] if argv is None else argv)))
    try:
        code: int = args.run(args)
        sys.stdout.flush()  # a reader that went away (`| head`) is met here, not at exit
    except RegistryError as error:
        return refuse(str(error), 2)
    except BrokenPipeError:
        return quiet_broken_pipe()
    except KeyboardInterrupt:
        return 130
    except FileNotFoundError as error:
        return refuse(f"{error.filename}: no such file / 文件不存在", 2)
    except OSError as error:
        return refuse(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "), 1)
    except STORAGE_ERRORS as error:
        return refuse(f"the store is unavailable ({first_line(error)}); nothing was changed", 3)
    except Exception as error:  # a bug: one line here, never a traceback (README)
        return refuse(f"internal error ({type(error).__name__}: {first_line(error)})", 70)
    return code


if __name__ == "__main__":
    sys.exit(main())
