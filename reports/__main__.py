"""`python -m reports send weekly --to EMAIL [--dry-run DIR] [--settings FILE] [--mart PATH]` (docs/digest.md).

The recipient's scope and language come from the people file (dashboard/access_file.py); without one, the demo
mart's digest is the whole mart in English. Problems the operator can fix are one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from reports import ReportError

EXIT_ERROR = 2


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reports", description="Send the dashboard's reports by mail.")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send", help="render a report for one recipient and mail it")
    send.add_argument("report", choices=["weekly"], help="which report (weekly: the weekly digest)")
    send.add_argument("--to", required=True, metavar="EMAIL", help="the recipient, as the people file lists them")
    send.add_argument("--dry-run", type=Path, metavar="DIR",
                      help="write the HTML, the PDF and the mail (.eml) to DIR and send nothing")
    send.add_argument("--settings", type=Path, metavar="FILE",
                      help="the settings file (default: $CRM_REPORTS or data/reports.toml)")
    send.add_argument("--mart", type=Path, metavar="PATH", help="the mart (default: $CRM_MART or data/mart.duckdb)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # dashboard/data.py's page cache says on import that it has no Streamlit server to live in: the digest never
    # uses that cache (it reads through run_as), and a scheduled job's output is mailed to the operator.
    from streamlit.logger import get_logger

    get_logger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    try:
        written = send_weekly(args.to, dry_run=args.dry_run, settings_file=args.settings, mart=args.mart)
    except ReportError as error:
        print(f"reports: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(written)
    return 0


def send_weekly(to: str, *, dry_run: Path | None = None, settings_file: Path | None = None,
                mart: Path | None = None) -> str:
    """Build, render, print and send (or write) one recipient's weekly digest; returns what was done, in a line."""
    if mart is not None:
        os.environ["CRM_MART"] = str(mart)
    from reports.settings import DEFAULT_BASE_URL, DEFAULT_CHROMIUM, read_settings, settings_path

    path = settings_path(settings_file)
    # A dry run needs no SMTP server: without a settings file it links to a dashboard on this machine.
    settings = read_settings(path) if not dry_run or path.exists() else None

    from dashboard import digest as content
    from reports import mail, render

    access, lang, info = recipient(to)
    as_of = info["as_of_on"]
    digest = content.build(access, lang, as_of, settings.base_url if settings else DEFAULT_BASE_URL,
                           info["first_sale_on"])
    html = render.report_html(digest)
    pdf = render.print_pdf(html, settings.chromium if settings else DEFAULT_CHROMIUM)
    week = content.last_full_week(as_of)
    filename = mail.pdf_name(digest, week.start_on)
    msg = mail.message(digest, settings.sender if settings else "crm-dashboard@localhost", pdf, filename)
    if dry_run:
        dry_run.mkdir(parents=True, exist_ok=True)
        stem = filename.removesuffix(".pdf")
        (dry_run / f"{stem}.html").write_text(html, encoding="utf-8")
        (dry_run / filename).write_bytes(pdf)
        (dry_run / f"{stem}.eml").write_bytes(msg.as_bytes())
        return f"dry run: wrote {stem}.html, {filename} and {stem}.eml to {dry_run} for {access.user}; nothing sent"
    mail.send(msg, settings)
    return f"sent {filename} to {access.user} ({lang}) through {settings.host}:{settings.port}"


def recipient(to: str):
    """(Access, language, the mart's info row) of the recipient, or a ReportError saying why not."""
    from dashboard.access_file import AccessFileError, access_file_path, read_people
    from dashboard.data import MartMissing, run_as
    from queries.access import SYSTEM, Access
    from queries.runner import MartOutdated

    try:
        info = run_as(SYSTEM, "mart_info").row(0, named=True)
    except (MartMissing, MartOutdated) as error:
        raise ReportError(str(error)) from None
    path = access_file_path()
    email = to.strip().lower()
    if not path.exists():
        # The demo runs without sign-in (docs/access.md): its digest is the whole mart, in English. A company's own
        # mart is denied by default, as its dashboard is.
        if info["source"] == "demo":
            return Access(email, "executive"), "en", info
        raise ReportError(f"no people file at {path}: a digest of your own mart goes only to people listed there "
                          f"(see access.example.toml)")
    try:
        people = read_people(path)
    except AccessFileError as error:
        raise ReportError(str(error)) from None
    person = people.get(email)
    if person is None:
        raise ReportError(f"{to} is not in the people file {path}: add them there to send them a digest")
    if "overview" not in person.access.rules.pages:
        raise ReportError(f"{to} is a {person.access.role}, whose role does not open the overview: the digest "
                          f"shows the overview's KPIs, so it is not sent to them")
    return person.access, person.language, info


if __name__ == "__main__":
    sys.exit(main())
