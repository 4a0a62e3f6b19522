from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "strides.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from strides.accounts.middleware import remember_enrolment

        user_logged_in.connect(remember_enrolment, dispatch_uid="strides_remember_2fa_enrolment")
