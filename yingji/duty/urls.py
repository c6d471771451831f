from django.urls import path

from yingji.duty.views import pages, reports, roster, swaps, upward

app_name = "duty"
urlpatterns = [
    path("", pages.index, name="index"),
    path("holidays/", roster.holidays, name="holidays"),
    path("roster-template.xlsx", roster.roster_template, name="roster_template"),
    path("roster-import/", roster.roster_import, name="roster_import"),
    path("shifts/<int:pk>/", roster.shift_detail, name="shift"),
    path("shifts/<int:pk>/move/", roster.roster_move, name="move"),
    path("shifts/<int:pk>/delete/", roster.shift_delete, name="shift_delete"),
    path("shifts/<int:pk>/handover/", pages.handover_write, name="handover"),
    path("shifts/<int:pk>/take-over/", pages.take_over, name="take_over"),
    path("queue/", upward.queue, name="queue"),
    path("swaps/", swaps.swap_list, name="swaps"),
    path("swaps/<int:pk>/<str:name>/", swaps.swap_step, name="swap_step"),
    path("shifts/<int:pk>/swap/", swaps.swap_request, name="swap_request"),
    path("incident-reports/<int:pk>/", upward.incident_report, name="incident_report"),
    path("incident-reports/<int:pk>/<str:name>/", upward.incident_report_step, name="incident_report_step"),
    path("incidents/<int:incident_pk>/follow-up/", upward.follow_up, name="follow_up"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/report.xlsx", reports.report_xlsx, name="report_xlsx"),
    path("reports/<int:pk>/report.pdf", reports.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/step/<str:name>/", upward.daily_report_step, name="report_step"),
    path("<str:code>/", pages.post_page, name="post"),
    path("<str:code>/log/", pages.log_add, name="log_add"),
    path("<str:code>/reports/compile/", reports.report_compile, name="report_compile"),
    path("<str:code>/shifts/new/", roster.shift_create, name="shift_create"),
    path("<str:code>/extra/", roster.extra_shifts, name="extra"),
    path("<str:code>/patterns/new/", roster.pattern_edit, name="pattern_create"),
    path("<str:code>/patterns/<int:pk>/", roster.pattern_edit, name="pattern_edit"),
    path("<str:code>/generate/", roster.generate, name="generate"),
    path("<str:code>/roster/<str:month>/", roster.roster, name="roster"),
    path("<str:code>/roster/<str:month>/export.xlsx", roster.roster_export, name="roster_export"),
]
