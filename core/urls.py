"""Account pages, mounted at /account/."""

from django.urls import path

from . import views_auth as views
from . import views_profile

app_name = "account"

urlpatterns = [
    path("", views_profile.details, name="details"),
    path("sign-in/", views.login_view, name="login"),
    path("sign-out/", views.logout_view, name="logout"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("second-factor/", views.two_factor, name="two_factor"),
    path("sign-up/", views.signup, name="signup"),
    path("confirm-email/sent/", views.verify_email_sent, name="verify_email_sent"),
    path("confirm-email/resend/", views.verify_email_resend, name="verify_email_resend"),
    path("confirm-email/<str:token>/", views.verify_email, name="verify_email"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("unlock/<str:token>/", views.unlock, name="unlock"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("security/", views.security, name="security"),
    path("contact/", views.contact, name="contact"),
]
