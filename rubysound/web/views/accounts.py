"""Signing up (``/signup/``), in (``/login/``) and out (``/logout/``)."""

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rubysound.accounts import services
from rubysound.core.http.redirects import safe_next

from ..forms import LoginForm, SignupForm

FIRST_RUN_SESSION_KEY = "rubysound_first_run"


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.signup_user(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                is_public_favorites=form.cleaned_data["is_public_favorites"],
            )
        except ValidationError as exc:
            # Model checks raise a per-field dict; password validators raise a plain list.
            if hasattr(exc, "error_dict"):
                field_errors = exc.message_dict
            else:
                field_errors = {"password": exc.messages}
            for field, errors in field_errors.items():
                target = "password1" if field in {"password", "__all__"} else field
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # The home page greets a new listener once, with where to start (views/home.py).
            request.session[FIRST_RUN_SESSION_KEY] = True
            return redirect(safe_next(request, "/"))
    return render(request, "web/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.cleaned_data.get("remember_me"):
            # Ends with the browser session instead of living SESSION_COOKIE_AGE.
            self.request.session.set_expiry(0)
        return response


logout = require_POST(auth_views.LogoutView.as_view())
