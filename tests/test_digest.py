"""The weekly digest (python -m reports, dashboard/digest.py): one real send through a local SMTP server (aiosmtpd on
127.0.0.1) with one Chromium print, shared by the assertions; the other paths stub the print."""
from __future__ import annotations

import email
import socket
import unicodedata
from datetime import date
from email import policy
from io import BytesIO

import pytest

from dashboard import digest
from dashboard.complaints import short_dealer
from dashboard.data import run_as
from dashboard.i18n import speaking
from dashboard.metrics import delta_text, format_metric
from queries.access import SYSTEM, Access
from reports import __main__ as cli
from reports import render

SOUTH = "华南"
PEOPLE = f"""
[[person]]
user = "south.manager@example.com"
role = "regional_manager"
regions = ["{SOUTH}"]

[[person]]
user = "boss@example.com"
role = "executive"
language = "en"

[[person]]
user = "kefu@example.com"
role = "customer_service"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="module")
def setup(s_mart, smtp, tmp_path_factory):
    """The people file, a settings file pointing at the local server, the environment of a scheduled run."""
    controller, _inbox = smtp
    folder = tmp_path_factory.mktemp("digest")
    (folder / "people.toml").write_text(PEOPLE, encoding="utf-8")
    settings = folder / "reports.toml"
    settings.write_text(f"""
[smtp]
host = "127.0.0.1"
port = {controller.port}
security = "none"
from = "CRM dashboard <crm@example.com>"
[dashboard]
base_url = "https://crm.example.com/"
""", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_MART", str(s_mart))
        mp.setenv("CRM_ACCESS", str(folder / "people.toml"))
        mp.delenv("CRM_REPORTS", raising=False)
        yield folder, settings, mp


@pytest.fixture(scope="module")
def sent(setup, smtp):
    """The regional manager's digest, sent: the message the server received, the printed HTML and the PDF's text."""
    from pypdf import PdfReader

    folder, settings, mp = setup
    printed = []
    real_print = render.print_pdf

    def spy(html, chromium, **kwargs):
        printed.append(html)
        return real_print(html, chromium, **kwargs)

    mp.setattr(render, "print_pdf", spy)
    assert cli.main(["send", "weekly", "--to", "South.Manager@example.com", "--settings", str(settings)]) == 0
    mp.setattr(render, "print_pdf", real_print)
    _controller, inbox = smtp
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    attachments = list(message.iter_attachments())
    pdf = attachments[0].get_content()
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    # Noto CJK's glyphs map back to Kangxi radicals in places (⽉ for 月): compare in NFKC, both sides.
    return {"envelope": envelope, "message": message, "attachments": attachments, "pdf": pdf,
            "text": unicodedata.normalize("NFKC", text), "html": printed[0]}


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def test_the_week_is_the_last_complete_monday_to_sunday():
    sunday, monday = date(2026, 11, 29), date(2026, 11, 30)
    assert (digest.last_full_week(sunday).start_on, digest.last_full_week(sunday).end_on) == (date(2026, 11, 23), sunday)
    week = digest.last_full_week(monday)
    assert (week.start_on, week.end_on) == (date(2026, 11, 23), sunday)
    assert (week.comparison().start_on, week.comparison().end_on) == (date(2026, 11, 16), date(2026, 11, 22))
    assert digest.last_full_week(date(2026, 11, 28)).end_on == date(2026, 11, 22)


def test_the_message_reaches_the_recipient_with_the_pdf(sent):
    envelope, message = sent["envelope"], sent["message"]
    assert envelope.rcpt_tos == ["south.manager@example.com"]
    assert message["To"] == "south.manager@example.com"
    assert message["Subject"].startswith("CRM 经营周报：2026年11月23日 至 2026年11月29日")
    assert SOUTH in message["Subject"]
    [attachment] = sent["attachments"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "crm-weekly-2026-11-23.pdf"
    assert sent["pdf"].startswith(b"%PDF")
    body = message.get_body(("html",)).get_content()
    assert "<script" not in body
    assert "销量（台）" in body and "条异常提醒" in body   # the KPI table and the alert count
    text = message.get_body(("plain",)).get_content()
    assert "https://crm.example.com/overview?period=2026-11-23&period=2026-11-29&lang=zh" in text


def test_the_pdf_holds_the_overviews_totals_in_chinese(sent):
    """The same formatted strings the overview's tiles show for this person and week (kpi_summary)."""
    manager = Access("south.manager@example.com", "regional_manager", regions=(SOUTH,))
    as_of = run_as(SYSTEM, "mart_info")["as_of_on"][0]
    week = digest.last_full_week(as_of)
    now = run_as(manager, "kpi_summary", week).row(0, named=True)
    before = run_as(manager, "kpi_summary", week.comparison()).row(0, named=True)
    with speaking("zh"):
        shown = {name: (format_metric(name, now[name]), delta_text(name, now[name], before[name]))
                 for name in digest.KPIS}
    text = sent["text"]
    for name, (value, change) in shown.items():
        assert nfkc(value) in text, name
        if change is not None:
            assert nfkc(change) in text, name
    assert nfkc(shown["sales_revenue"][0]).endswith("万")          # Chinese money, not ¥7.69M
    assert "本周关键指标" in text and "Weekly digest" not in text


def test_a_regional_manager_sees_only_their_region(sent):
    dealers = run_as(SYSTEM, "filter_dealers")
    others = dealers.filter(dealers["region"] != SOUTH)
    mine = dealers.filter(dealers["region"] == SOUTH)
    printed = sent["html"]
    for name in others["dealer_name"].to_list():
        assert name not in printed and short_dealer(name) not in printed, name
        assert nfkc(short_dealer(name)) not in sent["text"], name
    # The movers by dealer name the region's own dealers: the check above looked where names are.
    assert any(short_dealer(name) in printed for name in mine["dealer_name"].to_list())


def test_dry_run_writes_html_and_pdf_and_sends_nothing(setup, smtp, monkeypatch, tmp_path):
    _folder, settings, _mp = setup
    _controller, inbox = smtp
    already = len(inbox.envelopes)
    monkeypatch.setattr(render, "print_pdf", lambda html, chromium, **kwargs: b"%PDF-1.4 stub")
    assert cli.main(["send", "weekly", "--to", "boss@example.com", "--settings", str(settings),
                     "--dry-run", str(tmp_path)]) == 0
    html = (tmp_path / "crm-weekly-2026-11-23.html").read_text(encoding="utf-8")
    assert (tmp_path / "crm-weekly-2026-11-23.pdf").read_bytes() == b"%PDF-1.4 stub"
    assert "KPIs this week" in html and "Plotly.newPlot" in html   # boss reads English; plotly.js is inline
    assert "https://crm.example.com/overview?period=2026-11-23&amp;period=2026-11-29&amp;lang=en" in html
    assert len(inbox.envelopes) == already


def test_without_a_people_file_the_demo_digest_is_the_whole_mart_in_english(setup, monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_ACCESS", str(tmp_path / "none.toml"))
    access, lang, _info = cli.recipient("anyone@example.com")
    assert (access.role, access.is_limited, lang) == ("executive", False, "en")


@pytest.mark.parametrize("case, settings_text, to, message", [
    ("no settings", None, "boss@example.com", "no settings file at"),
    ("password in the file", '[smtp]\nhost = "h"\nfrom = "a@b"\npassword = "x"\n', "boss@example.com",
     "password must not be in the file"),
    ("bad security", '[smtp]\nhost = "h"\nfrom = "a@b"\nsecurity = "tls"\n', "boss@example.com",
     "security must be one of starttls, ssl, none"),
    ("unknown recipient", "ok", "nobody@example.com", "nobody@example.com is not in the people file"),
    ("role without the overview", "ok", "kefu@example.com", "whose role does not open the overview"),
    ("no chromium", '[smtp]\nhost = "127.0.0.1"\nfrom = "a@b"\n[pdf]\nchromium = "/nonexistent/chromium"\n',
     "boss@example.com", "Chromium not found at /nonexistent/chromium"),
])
def test_a_problem_is_one_clear_line_and_exit_code_2(setup, tmp_path, capsys, case, settings_text, to, message):
    _folder, settings, _mp = setup
    path = tmp_path / "reports.toml"
    if settings_text == "ok":
        path = settings
    elif settings_text is not None:
        path.write_text(settings_text, encoding="utf-8")
    assert cli.main(["send", "weekly", "--to", to, "--settings", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reports: ") and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_refusing_smtp_server_is_one_clear_line(setup, monkeypatch, tmp_path, capsys):
    """A port nothing listens on: refused, said in one line (the print is stubbed: the send is what is tested)."""
    monkeypatch.setattr(render, "print_pdf", lambda html, chromium, **kwargs: b"%PDF-1.4 stub")
    path = tmp_path / "reports.toml"
    path.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\nfrom = "a@b"\n',
                    encoding="utf-8")
    assert cli.main(["send", "weekly", "--to", "boss@example.com", "--settings", str(path)]) == 2
    err = capsys.readouterr().err
    assert "could not be reached or refused" in err and len(err.strip().splitlines()) == 1


def test_the_people_file_gives_a_language_zh_by_default(tmp_path):
    from dashboard.access_file import AccessFileError, read_people

    path = tmp_path / "people.toml"
    path.write_text(PEOPLE, encoding="utf-8")
    people = read_people(path)
    assert (people["south.manager@example.com"].language, people["boss@example.com"].language) == ("zh", "en")
    path.write_text('[[person]]\nuser = "a@b.c"\nrole = "executive"\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(AccessFileError, match="language must be one of zh, en"):
        read_people(path)
