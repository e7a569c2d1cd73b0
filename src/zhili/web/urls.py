from django.urls import path
from django.views.i18n import set_language

from zhili.assessment import views as assessment

from . import views, views_actions, views_export, views_intake, views_work

app_name = "web"

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("queue/", views.dispatch_queue, name="dispatch-queue"),
    path("requests/<str:number>/", views.request_detail, name="request-detail"),
    path("requests/<str:number>/act/<str:action>/", views_actions.request_act, name="request-act"),
    path("requests/<str:number>/reveal/", views_actions.request_reveal, name="request-reveal"),
    path("inbox/", views_work.unit_inbox, name="unit-inbox"),
    path("inbox/accept/", views_work.bulk_accept, name="bulk-accept"),
    path("inbox/reminders/read/", views_work.reminders_read, name="reminders-read"),
    path("supervision/", views_work.supervision_board, name="supervision-board"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("intake/", views_intake.intake, name="intake"),
    path("intake/suggest/", views_intake.intake_suggest, name="intake-suggest"),
    path("export.xlsx", views_export.export_list, name="export"),
    path("queue/export.xlsx", views_export.export_queue, name="export-queue"),
    path("inbox/export.xlsx", views_export.export_inbox, name="export-inbox"),
    path("supervision/export.xlsx", views_export.export_board, name="export-board"),
    path("assessment/", assessment.ranking, name="assessment"),
    path("assessment/panel/", assessment.panel, name="assessment-panel"),
    path("assessment/hotspots/", assessment.hotspot_list, name="hotspots"),
    path("assessment/warnings/", assessment.warnings, name="early-warnings"),
    path("assessment/replies/", assessment.reply_quality, name="reply-quality"),
    path("assessment/report/", assessment.report_download, name="assessment-report"),
    # The footer's language switch: Django's view stores the choice in its cookie (POST only).
    path("language/", set_language, name="set-language"),
]
