from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # Django 5: LogoutView answers POST only (GET is 405).
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
]
