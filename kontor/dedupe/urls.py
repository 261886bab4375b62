from django.urls import path

from kontor.dedupe import views

urlpatterns = [
    path("duplicates/", views.review, name="duplicate-review"),
    path("duplicates/<uuid:pair_id>/merge/", views.pair_merge, name="duplicate-merge"),
    path(
        "duplicates/<uuid:pair_id>/not-duplicate/",
        views.pair_not_duplicate,
        name="duplicate-not-duplicate",
    ),
    path("duplicates/merges/<uuid:merge_id>/undo/", views.merge_undo, name="duplicate-undo"),
]
