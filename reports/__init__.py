"""Reports sent from the mart: `python -m reports send weekly --to EMAIL` (docs/digest.md).

dashboard/digest.py decides what the weekly digest says, in the recipient's language and scope; this package turns
it into one static HTML file (templates/, Jinja2, Plotly drawn from inline plotly.js), prints that to PDF with
headless Chromium and mails it over SMTP configured in a settings file (reports.example.toml). Scheduling is the
operating system's (cron or a systemd timer), never a thread inside the Streamlit server.
"""


class ReportError(Exception):
    """A problem the operator can fix (no settings, an unknown recipient, SMTP refused, no Chromium): one line,
    exit code 2, no traceback."""
