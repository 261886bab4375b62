from django.urls import path

from kontor.mail import views

urlpatterns = [
    path("mail/import/", views.mail_import, name="mail-import"),
    path("mail/messages/<uuid:message_id>/raw/", views.message_raw, name="mail-message-raw"),
    path("mail/files/<uuid:file_id>/", views.attached_message, name="mail-attached-message"),
]
