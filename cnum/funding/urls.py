from django.urls import path

from cnum.funding import views, views_campaigns, views_reports

app_name = "funding"

urlpatterns = [
    path("", views.budget, name="budget"),
    path("conventions/", views.convention_list, name="convention_list"),
    path("conventions/<int:pk>/", views.convention_detail, name="convention_detail"),
    path("simulateur/", views.simulator, name="simulator"),
    path("simulateur/<slug:table>.<slug:extension>", views.simulator_export, name="simulator_export"),
    path("scenarios/", views.scenario_compare, name="scenarios"),
    path("campagnes/", views_campaigns.campaign_list, name="campaign_list"),
    path("campagnes/nouvelle/", views_campaigns.campaign_create, name="campaign_create"),
    path("campagnes/<int:pk>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path("campagnes/<int:pk>/envoyer/", views_campaigns.campaign_send, name="campaign_send"),
    path("campagnes/<int:pk>/reponses.csv", views_campaigns.campaign_export, name="campaign_export"),
    path("campagnes/<int:pk>/reponse/", views_campaigns.campaign_answer, name="campaign_answer"),
    path("cout-par-resultat/", views_reports.cost_per_outcome, name="cost_per_outcome"),
    path("fiche-parlementaire/", views_reports.fact_sheet, name="fact_sheet"),
    path("fiche-parlementaire.pdf", views_reports.fact_sheet_pdf, name="fact_sheet_pdf"),
]
