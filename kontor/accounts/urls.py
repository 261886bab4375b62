from django.urls import path

from kontor.accounts import views

urlpatterns = [
    path("2fa/", views.two_factor_setup, name="two-factor-setup"),
    path("2fa/qr.svg", views.two_factor_qr, name="two-factor-qr"),
    path("2fa/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("2fa/remove/", views.two_factor_remove, name="two-factor-remove"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
