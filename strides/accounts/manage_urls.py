from django.urls import path

from strides.accounts import manage_views as views

app_name = "accounts_manage"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("new/", views.user_create, name="create"),
    path("<int:user_id>/", views.user_detail, name="detail"),
    path("<int:user_id>/roles/", views.grant_role, name="grant_role"),
    path("<int:user_id>/roles/<int:membership_id>/revoke/", views.revoke_role, name="revoke_role"),
    path("<int:user_id>/children/", views.link_parent, name="link_parent"),
    path("<int:user_id>/active/", views.set_active, name="set_active"),
    path("<int:user_id>/two-factor/reset/", views.reset_two_factor, name="reset_two_factor"),
    path("<int:user_id>/unlock/", views.unlock, name="unlock"),
]
