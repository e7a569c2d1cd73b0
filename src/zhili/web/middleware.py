"""Request-wide guards and the interface language.

- ``RefuseNulCharacters``: a path carrying a NUL character is refused with a clear 400 before any
  view runs: no order number contains one, and PostgreSQL refuses NUL in text (a lookup would be a
  500). Query strings and forms are left to the views, which answer a NUL beside the field
  concerned.
- ``ChosenLanguage``: the interface language from the deployment or the user's own choice, never
  from the browser (see its docstring).
"""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext


class RefuseNulCharacters:
    """400 for a NUL in the request path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return HttpResponseBadRequest(gettext("请求地址中含有非法的空字符（\\x00）。").encode(),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ChosenLanguage:
    """Activate the language the user chose (the cookie of Django's ``set_language`` view, one of
    ``settings.LANGUAGES``), else ``settings.LANGUAGE_CODE``; sets ``request.LANGUAGE_CODE``.

    Replaces Django's ``LocaleMiddleware``, which follows the browser's Accept-Language: a
    district government's intranet must show Chinese to every clerk whatever their browser says
    (an English-language Windows or Playwright's Chromium sends ``en-US``). Another language is
    a deployment setting (``LANGUAGE_CODE``) or an explicit choice in the page footer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        code = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        with translation.override(code):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Cookie",))
        return response
