from django.urls import path

from answers import views

app_name = "answers"
urlpatterns = [
    path("", views.ask_page, name="ask"),
    path("ask", views.ask_stream, name="ask-stream"),
    path("answers/<int:answer_id>/", views.answer_page, name="answer"),
    path("answers/<int:answer_id>/feedback", views.feedback, name="feedback"),
    path("answers/<int:answer_id>/sources/<int:number>/mark", views.passage_mark, name="passage-mark"),
    path("documents/<int:document_id>/file", views.document_file, name="document-file"),
]
