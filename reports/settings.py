"""The digest's settings file: the SMTP server, the sender and the dashboard's address (reports.example.toml).

The SMTP password is never in the file: the file names the environment variable that holds it.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mart.paths import ROOT
from reports import ReportError

DEFAULT_SETTINGS = ROOT / "data" / "reports.toml"
SECURITY = ("starttls", "ssl", "none")
DEFAULT_BASE_URL = "http://localhost:8501"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    security: str              # starttls | ssl | none
    user: str | None           # None: the server takes mail without a login (a local relay)
    password_env: str | None   # the environment variable holding the password
    sender: str
    base_url: str
    chromium: str = DEFAULT_CHROMIUM
    timeout_seconds: float = 30.0

    def password(self) -> str | None:
        if not self.user:
            return None
        if not self.password_env:
            raise ReportError("settings: [smtp] user is set but password_env (the variable holding the password) "
                              "is not")
        value = os.environ.get(self.password_env)
        if not value:
            raise ReportError(f"settings: the environment variable {self.password_env} (the SMTP password) is not set")
        return value


def settings_path(given: Path | None) -> Path:
    return Path(given or os.environ.get("CRM_REPORTS") or DEFAULT_SETTINGS)


def read_settings(path: Path) -> Settings:
    """The settings in `path`; a missing or bad file raises ReportError naming the file and the key."""
    if not path.exists():
        raise ReportError(f"no settings file at {path}: copy reports.example.toml there and fill it in "
                          f"(or pass --settings FILE)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReportError(f"{path.name}: cannot be read as TOML: {error}") from None
    smtp, dashboard, pdf = raw.get("smtp", {}), raw.get("dashboard", {}), raw.get("pdf", {})
    if "password" in smtp:
        raise ReportError(f"{path.name}: [smtp] password must not be in the file: name its environment variable "
                          f"with password_env")
    for key in ("host", "from"):
        if not isinstance(smtp.get(key), str) or not smtp[key].strip():
            raise ReportError(f"{path.name}: [smtp] {key} is missing")
    security = smtp.get("security", "starttls")
    if security not in SECURITY:
        raise ReportError(f"{path.name}: [smtp] security must be one of {', '.join(SECURITY)}")
    port = smtp.get("port", 465 if security == "ssl" else 587)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ReportError(f"{path.name}: [smtp] port must be a number from 1 to 65535")
    base_url = dashboard.get("base_url", DEFAULT_BASE_URL)
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ReportError(f"{path.name}: [dashboard] base_url must start with http:// or https://")
    return Settings(
        host=smtp["host"].strip(), port=port, security=security, user=smtp.get("user") or None,
        password_env=smtp.get("password_env") or None, sender=smtp["from"].strip(), base_url=base_url,
        chromium=pdf.get("chromium", DEFAULT_CHROMIUM), timeout_seconds=float(smtp.get("timeout_seconds", 30)),
    )
