"""The console's templates, its language and its one way to render a page.

Chinese first, English second: the console speaks Chinese with English beside it by default;
the switch in every page's header (`/console/lang?to=en&next=PAGE`) keeps English alone in
the cookie `registry_console_lang` (path /console) and returns to the page it was used on."""

from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from api.english import in_language, level_name
from api.pages import WORDS
from registry.sessions import Session

Lang = Literal["zh", "en"]
LANG_COOKIE = "registry_console_lang"
LANGS: tuple[Lang, ...] = ("zh", "en")
PUBLIC_TEMPLATES = Path(__file__).parent.parent / "templates"  # the status banner is shared

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(Path(__file__).parent / "templates"), FileSystemLoader(PUBLIC_TEMPLATES)]
)
templates.env.filters["tr"] = in_language
templates.env.filters["level_name"] = level_name


@pass_context
def words(context: Context, zh: str, en: str) -> Markup:
    """A text in the console's language: Chinese with its English beside it, or English."""
    if context.get("lang") == "en":
        return escape(en)
    return Markup('{} <span lang="en">{}</span>').format(zh, en)


@pass_context
def words_plain(context: Context, zh: str, en: str) -> str:
    """The same as plain text, for an attribute (a submit input's label): "中文 / English"."""
    return en if context.get("lang") == "en" else f"{zh} / {en}"


templates.env.globals["w"] = words
templates.env.globals["wt"] = words_plain


def language(request: Request) -> Lang:
    chosen = request.cookies.get(LANG_COOKIE)
    return "en" if chosen == "en" else "zh"


def switch_link(request: Request, lang: Lang) -> str:
    """The header's link to the other language, back to this very page."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    other = "zh" if lang == "en" else "en"
    return f"/console/lang?to={other}&next={quote(here, safe='')}"


def page(
    request: Request,
    template: str,
    session: Session | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "session": session,
            "lang": lang,
            "t": WORDS[lang],
            "switch": switch_link(request, lang),
            **context,
        },
        status_code=status,
    )
