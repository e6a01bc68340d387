"""Sign-in end to end: people sign in through a real OpenID provider (local mock) in headless Chromium, and each
sees what the access file allows on the same URL; a stranger sees nothing; a reveal and an export are audited."""
from __future__ import annotations

import duckdb
import polars as pl
import pytest

from tests.browser import reveal_personal_fields, wait_for_app
from tests.independent import frame
from tests.oidc import auth_server, chromium, new_page, oidc_provider, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def people(s_mart, tmp_path_factory):
    t = frame.read_tables(s_mart)
    dealers = t["dealers"].sort("dealer_id")
    region = dealers["region"][0]
    store = dealers.filter(pl.col("region") != region)["dealer_id"][0]
    folder = tmp_path_factory.mktemp("signin")
    access = folder / "access.toml"
    access.write_text(f"""
[[person]]
user = "rm@example.com"
role = "regional_manager"
regions = ["{region}"]

[[person]]
user = "store@example.com"
role = "dealer"
dealer_ids = ["{store}"]
""", encoding="utf-8")
    return {"tables": t, "region": region, "store": store, "access": access, "audit": folder / "audit.duckdb"}


@pytest.fixture(scope="module")
def server(s_mart, people):
    env = {"CRM_MART": str(s_mart), "CRM_ACCESS": str(people["access"]), "CRM_AUDIT": str(people["audit"])}
    with oidc_provider() as provider, auth_server("app.py", provider, env=env) as url:
        yield url


def open_signed_in(browser, url: str, user: str, path: str):
    page = new_page(browser)
    page.goto(url)
    wait_for_app(page)
    sign_in(page, user)
    wait_for_app(page)
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    return page


def test_two_people_see_two_scopes_on_the_same_url_and_a_stranger_sees_nothing(server, people):
    t = people["tables"]
    dealers = t["dealers"]
    in_region = dealers.filter(pl.col("region") == people["region"])
    store = dealers.filter(pl.col("dealer_id") == people["store"]).row(0, named=True)
    busiest_elsewhere = (t["sales"].join(dealers, on="dealer_id").filter(pl.col("region") != people["region"])
                         .group_by("dealer_id").len().sort("len", descending=True)["dealer_id"][0])
    # The scorecard's chart names each dealer by a short name and its number, "(#D0001)": what a test can read (the
    # table's cells are drawn on a canvas).
    first_in_region = in_region.sort("dealer_id")["dealer_id"][0]
    with chromium() as browser:
        manager = open_signed_in(browser, server, "rm@example.com", "dealers")
        manager.get_by_text("Signed in as rm@example.com · regional manager").wait_for()
        manager.get_by_text(f"(#{first_in_region})", exact=False).first.wait_for()
        body = manager.inner_text("body")
        assert f"(#{busiest_elsewhere})" not in body
        assert "all your dealers" in body

        dealer = open_signed_in(browser, server, "store@example.com", "dealers")
        dealer.get_by_text("Signed in as store@example.com · dealer").wait_for()
        dealer.get_by_text(f"(#{store['dealer_id']})", exact=False).first.wait_for()
        body = dealer.inner_text("body")
        others = in_region.filter(pl.col("dealer_id") != store["dealer_id"]).sort("dealer_id")["dealer_id"][0]
        assert f"(#{others})" not in body and f"(#{busiest_elsewhere})" not in body

        stranger = new_page(browser)
        stranger.goto(server)
        wait_for_app(stranger)
        sign_in(stranger, "stranger@example.com")
        wait_for_app(stranger)
        stranger.get_by_text("you have no access to this dashboard", exact=False).wait_for()
        stranger.goto(f"{server}/dealers")
        wait_for_app(stranger)
        assert "Dealer scorecard" not in stranger.inner_text("body")
        assert stranger.get_by_test_id("stMetric").count() == 0


def test_a_reveal_and_an_export_each_leave_an_audit_row(server, people, tmp_path):
    t = people["tables"]
    customers = t["customers"].join(t["dealers"].select("dealer_id", "region"), left_on="home_dealer_id",
                                    right_on="dealer_id")
    mine = customers.filter((pl.col("region") == people["region"]) & pl.col("city").is_not_null()).sort("customer_id").row(0, named=True)
    with chromium() as browser:
        page = open_signed_in(browser, server, "rm@example.com", f"customer?customer_id={mine['customer_id']}")
        page.get_by_text(f"Customer {mine['customer_id']}", exact=True).first.wait_for()
        reveal_personal_fields(page, "callback on complaint")
        page.get_by_text("This reveal is in the audit log").wait_for()
        # The notice is drawn before the profile below it is redrawn: wait for the city itself (a masked profile
        # never shows it, so this still fails on a reveal that does not reveal).
        page.get_by_text(mine["city"], exact=True).first.wait_for(state="attached")
        assert mine["city"] in page.inner_text("body")
        with page.expect_download() as download:
            page.get_by_text("Download the profile (CSV, audited)").click()
        saved = tmp_path / "profile.csv"
        download.value.save_as(saved)
        assert mine["city"] in saved.read_text(encoding="utf-8")
    with duckdb.connect(str(people["audit"]), read_only=True) as con:
        rows = con.execute("select user_id, role, action, customer_id, reason from audit_log order by logged_at").fetchall()
    assert rows == [
        ("rm@example.com", "regional_manager", "reveal", mine["customer_id"], "callback on complaint"),
        ("rm@example.com", "regional_manager", "export", mine["customer_id"], "callback on complaint"),
    ]
