import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.activities.enums import Progress
from cnum.funding import outcomes
from cnum.funding.models import Instalment
from cnum.funding.services import instalment_pay
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.funding.factories import signed_convention

pytestmark = pytest.mark.usefixtures("reference")


@pytest.fixture
def lyon():
    """A public employer of the Rhône: one post from 2024 (12,500 € due in 2025), four 2025 accompaniments of
    which one person says she progressed out of two asked."""
    convention = signed_convention(start=datetime.date(2024, 1, 1))
    structure = convention.structure
    for progressed in (Progress.YES, Progress.NO, Progress.NOT_ASKED, Progress.NOT_ASKED):
        ActivityFactory(structure=structure, date=datetime.date(2025, 3, 10), accompaniment__progressed=progressed)
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    return convention


def test_cost_per_outcome_uses_planned_credits_until_some_are_paid(lyon):
    result = outcomes.cost_per_outcome(2025)
    assert result["basis"] == outcomes.PLANNED
    total = result["total"]
    assert (total["credits"], total["accompaniments"]) == (12_500, 4)
    assert total["per_accompaniment"] == 3_125
    assert total["progressed"] == 2 and total["per_progressed"] == 6_250  # 4 people × 50 %
    public, private = result["by_employer_kind"]
    assert public["credits"] == 12_500 and private["credits"] == 0 and private["per_accompaniment"] is None
    assert [row["scope"] for row in result["by_departement"]] == ["departement:69"]

    instalment = Instalment.objects.get(due_on__year=2025)
    instalment_pay(instalment=instalment, paid_on=datetime.date(2025, 2, 1))
    Instalment.objects.filter(pk=instalment.pk).update(amount=10_000)
    paid = outcomes.cost_per_outcome(2025)
    assert paid["basis"] == outcomes.PAID and paid["total"]["per_accompaniment"] == 2_500


def test_cost_per_outcome_page(client, lyon):
    client.force_login(UserFactory(programme_team=True))
    page = client.get(reverse("funding:cost_per_outcome"), {"year": 2025})
    html = page.content.decode()
    assert re.search(r"3\D{0,6}125 €", html)
    client.force_login(UserFactory(advisor=True))
    assert client.get(reverse("funding:cost_per_outcome")).status_code == 403


def test_fact_sheet_html_and_pdf_compute_every_figure_and_link_definitions(client, lyon):
    client.force_login(UserFactory(programme_team=True))
    query = {"scope": "departement:69", "date": "2025-12-31"}
    html = client.get(reverse("funding:fact_sheet"), query).content.decode()
    assert 'id="fig-accompaniments">4<' in html
    assert 'id="fig-progressed">50 %<' in html
    for key in ("advisors", "employers", "beneficiaries", "accompaniments", "progressed", "reengagement", "credits"):
        assert f'href="#def-{key}"' in html and f'id="def-{key}"' in html
    assert re.search(r"12\D{0,6}500 €", html)  # the département's instalments
    pdf = client.get(reverse("funding:fact_sheet_pdf"), query)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("funding:fact_sheet"), {"scope": "commune:69123"}).status_code == 400
