from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    # Included before django.contrib.auth.urls, so this view answers the path that
    # {% url 'password_reset' %} gives.
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("profile/", views.my_profile, name="my_profile"),
    path("settings/", views.settings_update, name="settings"),
    path("token/", views.token_create, name="token_create"),
    path("token/revoke/", views.token_revoke, name="token_revoke"),
    path("u/<str:username>/", views.profile, name="profile"),
]
