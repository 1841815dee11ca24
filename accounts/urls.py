from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.my_profile, name="my_profile"),
    path("settings/", views.settings_update, name="settings"),
    path("token/", views.token_create, name="token_create"),
    path("token/revoke/", views.token_revoke, name="token_revoke"),
    path("u/<str:username>/", views.profile, name="profile"),
]
