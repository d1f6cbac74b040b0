from django.urls import include, path

from . import board, pipelines, views

urlpatterns = [
    path("opportunities/", include(views.OpportunityViews.urls())),
    path("opportunities/<int:pk>/move/", board.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/close/", views.opportunity_close, name="opportunity_close"),
    path(
        "opportunities/<int:pk>/log-activity/",
        views.opportunity_log_activity,
        name="opportunity_log_activity",
    ),
    path("board/", board.board, name="board_default"),
    path("pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("pipelines/add/", pipelines.pipeline_edit, name="pipeline_add"),
    path("pipelines/<int:pk>/edit/", pipelines.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pk>/board/", board.board, name="board"),
    path(
        "pipelines/<int:pk>/board/stages/<int:stage_pk>/cards/",
        board.board_cards,
        name="board_cards",
    ),
]
