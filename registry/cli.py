"""The `registry` command line (the README's "The CLI" describes each): serve, token, keys,
verify, verify-qr, sweep, audit, report, import, demo, project and projections. A refusal
prints one line, `registry: …`, and exits non-zero."""

import argparse
import getpass
import json
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from tqdm import tqdm

from registry.aggregates.api_token import ROLES
from registry.aggregates.user import ROLES as USER_ROLES
from registry.application import open_registry
from registry.demo import demo_rows
from registry.errors import InvalidInput, RegistryError
from registry.importer import Importer, read_csv
from registry.qrcodes import decode, token_of
from registry.regulator_reports import make_monthly, overdue
from registry.rules.lifecycle import Status
from registry.settings import Settings
from registry.signing import open_keys, verify_with_jwks
from registry.tokens import create_token, list_tokens, revoke_tokens
from registry.transparency import verify_store
from registry.users import Accounts


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
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
            print(create_token(registry, name=args.name, role=args.role))
        elif args.action == "list":
            for info in list_tokens(registry):
                state = "revoked" if info.revoked else "live"
                print(f"{info.id}  {info.role:9}  {state:7}  {info.created_at}  {info.name}")
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
        elif args.action == "retire":
            ring.retire(args.kid)
        elif args.action == "compromised":
            ring.compromise(args.kid)
        if args.action in ("list", "retire", "compromised"):
            for kid, status in ring.listing():
                print(f"{kid}  {status}")
    return 0


def verify_qr(args: argparse.Namespace) -> int:
    """Decode a photo or scan of a certificate's QR and check its signature, offline."""
    texts = decode(args.image)
    if not texts:
        raise InvalidInput(f"{args.image}: no QR code found in the image")
    if args.jwks is not None:
        try:
            jwks = json.loads(args.jwks.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidInput(f"{args.jwks}: not a JSON key set ({error})") from None
        verdict = verify_with_jwks(token_of(texts[0]), jwks)
    else:
        settings = Settings(projector="external")
        with open_registry(settings) as registry:
            verdict = open_keys(registry, settings).verify(token_of(texts[0]))
    print("authentic" if verdict.authentic else f"NOT authentic: {verdict.reason}")
    if verdict.kid:
        print(f"key: {verdict.kid}")
    for name, value in (verdict.claims or {}).items():
        print(f"{name}: {value}")
    return 0 if verdict.authentic else 1


def audit(args: argparse.Namespace) -> int:
    """Recompute every hash, chain, Merkle root and checkpoint signature from the store."""
    settings = Settings(projector="external")
    with open_registry(settings) as registry:
        report = verify_store(registry, open_keys(registry, settings))
    if report.intact:
        print(f"intact: {report.events} events, {report.checkpoints} signed checkpoints verified")
        return 0
    first = report.findings[0]
    print(f"registry: NOT intact at {first}", file=sys.stderr)
    for finding in report.findings[1:20]:
        print(f"  also {finding}", file=sys.stderr)
    return 1


def report(args: argparse.Namespace) -> int:
    settings = Settings()
    with open_registry(settings) as registry:
        if args.action == "monthly":
            path = make_monthly(
                registry, open_keys(registry, settings), args.month, args.out, actor=_actor()
            )
            print(path)
            return 0
        late = overdue(registry)
    for o in late:
        made = f"made {o.made_on}" if o.made_on else "never made"
        print(f"{o.month}: {o.items} status change(s), due {o.deadline}, {made}")
    return 1 if late else 0


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def import_csv(args: argparse.Namespace) -> int:
    """Import certificates from CSV with a progress bar; bad rows are listed, the rest stored."""
    with open_registry(Settings()) as registry:
        rows = list(read_csv(args.file))
        with tqdm(total=len(rows), unit="row", disable=args.quiet) as bar:
            result = Importer(registry, actor=_actor()).run(rows, progress=bar.update)
    for line, message in result.errors:
        print(f"{args.file}:{line}: {message}", file=sys.stderr)
    print(
        f"{result.imported} imported, {result.skipped} already there, {len(result.errors)} refused",
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


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="registry", description=__doc__)
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
    actions.add_parser("retire", help="stop signing with KID; it still verifies").add_argument(
        "kid"
    )
    actions.add_parser("compromised", help="KID's tokens all fail from now on").add_argument("kid")
    p.set_defaults(run=keys)

    p = commands.add_parser("verify-qr", help="check a photographed QR code, offline")
    p.add_argument("image", type=Path)
    p.add_argument("--jwks", type=Path, help="a saved /.well-known/jwks.json")
    p.set_defaults(run=verify_qr)

    p = commands.add_parser("audit", help="tamper evidence")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("verify", help="exit 0 when every event, chain and checkpoint checks out")
    p.set_defaults(run=audit)

    p = commands.add_parser("report", help="reports to the regulator (§6.3.3)")
    actions = p.add_subparsers(dest="action", required=True)
    monthly = actions.add_parser("monthly", help="write and record a month's report")
    monthly.add_argument("--month", required=True, help="YYYY-MM, a month that has ended")
    monthly.add_argument("--out", type=Path, default=Path("var/reports"))
    actions.add_parser("overdue", help="months not reported by the 10th; exit 1 if any")
    p.set_defaults(run=report)

    p = commands.add_parser("import", help="import certificates from CSV (see README)")
    p.add_argument("file", type=Path)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
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
    except RegistryError as error:
        print(f"registry: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
