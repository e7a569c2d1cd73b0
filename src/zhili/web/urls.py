from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("queue/", views.dispatch_queue, name="dispatch-queue"),
    path("requests/<str:number>/", views.request_detail, name="request-detail"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
