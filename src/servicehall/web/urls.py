from django.contrib.auth import views as auth_views
from django.urls import path

from . import board, cases, chat, display, kiosk, knowledge, survey, ticket, views, workbench

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("kiosk/<slug:hall>/", kiosk.kiosk, name="kiosk"),
    path("display/<slug:hall>/", display.display, name="display"),
    path("display/<slug:hall>/partial", display.display_partial, name="display-partial"),
    path("display/<slug:hall>/waiting", display.waiting_partial, name="display-waiting"),
    path("halls/<slug:hall>/events", display.events, name="events"),
    path("board/<slug:hall>/", board.board, name="board"),
    path("board/<slug:hall>/partial", board.board_partial, name="board-partial"),
    path("board/<slug:hall>/open", board.set_open, name="board-open"),
    path("board/<slug:hall>/notice", board.set_notice, name="board-notice"),
    path("board/<slug:hall>/tickets/<int:ticket_id>/quiet", board.to_quiet, name="board-quiet"),
    path("workbench/", workbench.workbench, name="workbench"),
    path("workbench/partial", workbench.workbench_partial, name="wb-partial"),
    path("workbench/sign-in/<int:counter_id>", workbench.sign_in, name="wb-sign-in"),
    path("workbench/sign-out", workbench.sign_out, name="wb-sign-out"),
    path("workbench/call", workbench.call_next, name="wb-call"),
    path(
        "workbench/tickets/<int:ticket_id>/<slug:action>", workbench.ticket_action, name="wb-action"
    ),
    path("workbench/issue", workbench.issue_for_customer, name="wb-issue"),
    path("workbench/customers/<int:customer_id>/reveal", workbench.reveal, name="wb-reveal"),
    path("workbench/offer", workbench.offer_answer, name="wb-offer"),
    path("s/<str:token>", survey.survey, name="survey"),
    path("t/<str:token>/", ticket.my_ticket, name="my-ticket"),
    path("t/<str:token>/partial", ticket.my_ticket_partial, name="my-ticket-partial"),
    path("t/<str:token>/cancel", ticket.cancel, name="my-ticket-cancel"),
    path("chat/", chat.start, name="chat-start"),
    path("chat/<str:token>/", chat.conversation, name="chat"),
    path("chat/<str:token>/events", chat.events, name="chat-events"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new", cases.case_new, name="case-new"),
    path("cases/sla", cases.sla, name="case-sla"),
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/events", cases.case_events, name="case-events"),
    path("cases/<int:case_id>/<slug:op>", cases.case_op, name="case-op"),
    path("kb/", knowledge.kb_home, name="kb"),
    path("help/<int:article_id>/", knowledge.help_article, name="help"),
    path("kb/new", knowledge.kb_new, name="kb-new"),
    path("kb/<int:article_id>/", knowledge.kb_article, name="kb-article"),
    path("kb/<int:article_id>/edit", knowledge.kb_edit, name="kb-edit"),
    path("kb/<int:article_id>/<slug:op>", knowledge.kb_action, name="kb-action"),
]
