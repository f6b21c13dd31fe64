"""The catalogue pages of the credit office: the version in force item by item, an edited or
uploaded version checked with every problem listed (Chinese by default, English on request),
what a correct one changes, and publication as a new version in the ledger by those allowed."""

from __future__ import annotations

import copy
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jianguan.core.models import LedgerEntry, User
from jianguan.credit import services
from jianguan.credit.catalogue import shipped_catalogue_path
from jianguan.credit.models import CatalogueVersion


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _shipped() -> dict[str, Any]:
    return json.loads(shipped_catalogue_path().read_text(encoding="utf-8"))


def _edited() -> dict[str, Any]:
    document = copy.deepcopy(_shipped())
    document["version"] = "2026.2"
    document["effective_from"] = "2026-07-01"
    for item in document["items"]:
        if item["code"] == "SG-3-02":
            item["points"] = 7
    document["items"] = [i for i in document["items"] if i["code"] != "SG-4-06"]
    return document


def test_catalogue_page_shows_the_version_in_force(handler: User) -> None:
    page = _client(handler).get("/credit/catalogue/")
    assert page.status_code == 200
    text = page.content.decode()
    shipped = _shipped()
    assert shipped["version"] in text
    assert "SG-1-01" in text
    assert "A1-1-01" in text
    # the credit officer reads but may not publish: no button, and the editor is refused
    assert "/credit/catalogue/new/" not in text
    assert _client(handler).get("/credit/catalogue/new/").status_code == 403
    version = CatalogueVersion.objects.get(version=shipped["version"])
    download = _client(handler).get(f"/credit/catalogue/{version.pk}.json")
    assert download.status_code == 200
    assert json.loads(download.content)["version"] == shipped["version"]
    assert _client(handler).get("/credit/catalogue/999999.json").status_code == 404


def test_every_problem_is_listed_in_chinese_and_english(approver: User) -> None:
    web = _client(approver)
    editor = web.get("/credit/catalogue/new/")
    assert editor.status_code == 200
    assert json.loads(editor.context["form"].initial["document"])["version"] == _shipped()["version"]
    document = _edited()
    document["items"][0]["severity"] = "Z"
    document["items"][1]["disclosure_months"] = 3
    document["items"].append(dict(document["items"][2]))  # a duplicate code
    before = CatalogueVersion.objects.count()
    response = web.post("/credit/catalogue/new/", {"document": json.dumps(document), "action": "publish"})
    assert response.status_code == 400
    problems = response.context["problems"]
    assert len(problems) == 3
    text = response.content.decode()
    assert "重复" in text or "不止一次" in text or "两次" in text
    assert "少于" in text or "短于" in text
    assert CatalogueVersion.objects.count() == before
    english = web.post(
        "/credit/catalogue/new/", {"document": json.dumps(document), "action": "check"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert any("appears more than once" in p for p in english.context["problems"])
    assert any("shorter than the minimum of 6 months" in p for p in english.context["problems"])
    # not JSON, and the version number of one already stored
    assert web.post("/credit/catalogue/new/", {"document": "{nope", "action": "check"}).status_code == 400
    same = web.post("/credit/catalogue/new/", {"document": json.dumps(_shipped()), "action": "check"})
    assert same.status_code == 409
    assert _shipped()["version"] in same.context["problems"][0]
    assert web.post("/credit/catalogue/new/", {"document": "  ", "action": "check"}).status_code == 400


def test_check_shows_the_changes_and_publish_stores_a_version(approver: User) -> None:
    web = _client(approver)
    services.catalogue_ensure_shipped()
    upload = SimpleUploadedFile("c.json", json.dumps(_edited(), ensure_ascii=False).encode(), "application/json")
    checked = web.post("/credit/catalogue/new/", {"upload": upload, "action": "check"})
    assert checked.status_code == 200
    changes = {c.code: c for c in checked.context["changes"]}
    assert changes["SG-3-02"].change == "changed"
    assert changes["SG-3-02"].fields == ("points",)
    assert changes["SG-4-06"].change == "removed"
    assert len(changes) == 2
    assert CatalogueVersion.objects.filter(version="2026.2").count() == 0  # a check stores nothing
    # the uploaded file is put in the editor, to be corrected or published from there
    assert json.loads(checked.context["form"].data["document"])["version"] == "2026.2"

    published = web.post("/credit/catalogue/new/", {"document": json.dumps(_edited()), "action": "publish"})
    assert published.status_code == 302
    version = CatalogueVersion.objects.get(version="2026.2")
    assert version.published_by.endswith(approver.username)
    entry = LedgerEntry.objects.filter(action="credit.catalogue.published", object_id=str(version.pk)).get()
    assert json.loads(entry.payload)["version"] == "2026.2"
    assert entry.actor_id == approver.pk
    assert services.catalogue_of(version).items["SG-3-02"].points == 7
